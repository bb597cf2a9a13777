"""A contract type for import-linter that the built-in ones cannot express: the modules under
`source_modules` import nothing but the standard library and each other (the pure domain)."""

from __future__ import annotations

import sys

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class StandardLibraryOnlyContract(Contract):
    type_name = "standard_library_only"

    source_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        roots = [m.name for m in self.source_modules]  # type: ignore[attr-defined]
        own: set[str] = set()
        for root in roots:
            own |= {root, *graph.find_descendants(root)}
        offending: list[tuple[str, str, int | None]] = []
        for importer in sorted(own):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                top = imported.split(".", 1)[0]
                if imported in own or top in sys.stdlib_module_names or top == "__future__":
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                line = details[0]["line_number"] if details else None
                offending.append((importer, imported, line))
        return ContractCheck(kept=not offending, metadata={"offending": offending})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line in check.metadata["offending"]:
            output.print_error(f"{importer} imports {imported} (l.{line})", bold=False)
            output.new_line()
