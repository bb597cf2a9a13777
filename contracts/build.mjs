// Compiles src/*.sol with the pinned solc-js through its standard-JSON API and writes one
// artifact per contract to artifacts/ (ABI, creation bytecode, runtime bytecode, compiler version).
// `node build.mjs --check` compiles into memory and exits 1 if any committed artifact differs;
// `node build.mjs --out DIR` writes the artifacts to DIR instead (the tests compare them).
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const solc = require('solc')
const here = path.dirname(fileURLToPath(import.meta.url))
const srcDir = path.join(here, 'src')
const outFlag = process.argv.indexOf('--out')
const outDir = outFlag > 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(here, 'artifacts')
const check = process.argv.includes('--check')

const sources = {}
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`src/${file}`] = { content: fs.readFileSync(path.join(srcDir, file), 'utf8') }
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 10000 },
    evmVersion: 'cancun',
    // No metadata hash: the bytecode then depends only on source and settings, not on file paths,
    // so a rebuild on any machine can be compared byte for byte with the committed artifact.
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
}

function findImports(importPath) {
  const candidate = path.join(here, 'node_modules', importPath)
  if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') }
  return { error: `import not found: ${importPath} (run npm install in contracts/)` }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
const errors = (output.errors || []).filter((e) => e.severity === 'error')
for (const e of output.errors || []) console.error(e.formattedMessage)
if (errors.length) process.exit(1)

const version = solc.version()
let differs = false
fs.mkdirSync(outDir, { recursive: true })
for (const [source, contracts] of Object.entries(output.contracts)) {
  if (!source.startsWith('src/')) continue // OpenZeppelin's own contracts need no artifact
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = {
      contractName: name,
      sourceName: source,
      compiler: { name: 'solc-js', version, settings: input.settings },
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    }
    const text = JSON.stringify(artifact, null, 2) + '\n'
    const file = path.join(outDir, `${name}.json`)
    if (check) {
      const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
      if (old !== text) {
        console.error(`${name}: committed artifact differs from a fresh build`)
        differs = true
      }
    } else {
      fs.writeFileSync(file, text)
      console.log(`wrote ${outFlag > 0 ? file : `artifacts/${name}.json`} (${c.evm.deployedBytecode.object.length / 2} bytes runtime)`)
    }
  }
}
if (check) {
  if (differs) process.exit(1)
  console.log(`artifacts match a fresh build with solc ${version}`)
}
