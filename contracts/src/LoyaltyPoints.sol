// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title LoyaltyPoints
/// @notice One token = one loyalty point (decimals 0). Points are minted and burned in batches
/// identified by a `batchId`; a batch id can be used once only, so a retried, replaced or
/// re-broadcast minter transaction can never mint (or burn) twice, whatever the minter's
/// database says.
///
/// `settle` is the batch call the minter uses: one transaction mints and burns a batch and
/// commits the root of the ledger's Merkle-sum tree with the total supply that the ledger says
/// the chain holds once this batch (and every one before it) has landed. The token refuses a
/// batch whose committed supply differs from `totalSupply()` after it (`CommittedSupplyMismatch`),
/// so even a compromised minter key cannot mint past the books it publishes (in the spirit of
/// Chainlink's Secure Mint). The root is in the `BatchSettled` event only: a storage slot would
/// cost 5,000 gas or more per batch, a log's 64 bytes cost 512.
contract LoyaltyPoints is ERC20Pausable, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice False when the token was deployed non-transferable: only mint and burn move it.
    bool public immutable transferable;

    mapping(bytes32 batchId => bool) private _batchUsed;

    /// @notice The address whose EIP-712 signatures on member statements are the service's.
    address public statementSigner;

    event BatchMinted(bytes32 indexed batchId, uint256 count, uint256 total);
    event BatchBurned(bytes32 indexed batchId, uint256 count, uint256 total);
    /// @notice A settled batch: `count` accounts, `minted` and `burned` points, and the ledger
    /// root and total supply committed with it (`supply` equals `totalSupply()` right after it).
    event BatchSettled(
        bytes32 indexed batchId, uint256 count, uint256 minted, uint256 burned, bytes32 root, uint256 supply
    );
    event StatementSignerChanged(address indexed previous, address indexed current);

    error BatchAlreadyProcessed(bytes32 batchId);
    error BatchLengthMismatch(uint256 accounts, uint256 amounts);
    error CommittedSupplyMismatch(bytes32 batchId, uint256 committed, uint256 totalSupply);
    error MintCountTooLarge(uint256 mints, uint256 accounts);
    error EmptyBatch();
    error TransfersDisabled();
    error ZeroAdmin();

    constructor(string memory name_, string memory symbol_, address admin, bool transferable_)
        ERC20(name_, symbol_)
    {
        if (admin == address(0)) revert ZeroAdmin();
        transferable = transferable_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    function decimals() public pure override returns (uint8) {
        return 0;
    }

    /// @notice True once `batchId` has been minted or burned.
    function isBatchProcessed(bytes32 batchId) external view returns (bool) {
        return _batchUsed[batchId];
    }

    function mintBatch(bytes32 batchId, address[] calldata to, uint256[] calldata amounts)
        external
        onlyRole(MINTER_ROLE)
    {
        _useBatch(batchId, to.length, amounts.length);
        uint256 total;
        for (uint256 i; i < to.length; ) {
            _mint(to[i], amounts[i]);
            total += amounts[i];
            unchecked { ++i; }
        }
        emit BatchMinted(batchId, to.length, total);
    }

    function burnBatch(bytes32 batchId, address[] calldata from, uint256[] calldata amounts)
        external
        onlyRole(BURNER_ROLE)
    {
        _useBatch(batchId, from.length, amounts.length);
        uint256 total;
        for (uint256 i; i < from.length; ) {
            _burn(from[i], amounts[i]);
            total += amounts[i];
            unchecked { ++i; }
        }
        emit BatchBurned(batchId, from.length, total);
    }

    /// @notice Mints `amounts[i]` to `accounts[i]` for i < `mints`, burns `amounts[i]` from
    /// `accounts[i]` for the rest, and commits `root` with `supply`: the whole call reverts with
    /// `CommittedSupplyMismatch` unless `totalSupply()` is `supply` afterwards. An empty batch
    /// commits a root alone. Burns need the BURNER_ROLE as well.
    function settle(
        bytes32 batchId,
        address[] calldata accounts,
        uint256[] calldata amounts,
        uint256 mints,
        bytes32 root,
        uint256 supply
    ) external onlyRole(MINTER_ROLE) {
        uint256 n = accounts.length;
        if (n != amounts.length) revert BatchLengthMismatch(n, amounts.length);
        if (mints > n) revert MintCountTooLarge(mints, n);
        if (_batchUsed[batchId]) revert BatchAlreadyProcessed(batchId);
        _batchUsed[batchId] = true;
        uint256 minted;
        uint256 i;
        for (; i < mints; ) {
            _mint(accounts[i], amounts[i]);
            minted += amounts[i];
            unchecked { ++i; }
        }
        uint256 burned;
        if (i < n) {
            _checkRole(BURNER_ROLE);
            for (; i < n; ) {
                _burn(accounts[i], amounts[i]);
                burned += amounts[i];
                unchecked { ++i; }
            }
        }
        uint256 actual = totalSupply();
        if (actual != supply) revert CommittedSupplyMismatch(batchId, supply, actual);
        emit BatchSettled(batchId, n, minted, burned, root, supply);
    }

    /// @notice Records the service's statement-signing address (zero: none).
    function setStatementSigner(address signer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit StatementSignerChanged(statementSigner, signer);
        statementSigner = signer;
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _useBatch(bytes32 batchId, uint256 accounts, uint256 amounts) private {
        if (accounts != amounts) revert BatchLengthMismatch(accounts, amounts);
        if (accounts == 0) revert EmptyBatch();
        if (_batchUsed[batchId]) revert BatchAlreadyProcessed(batchId);
        _batchUsed[batchId] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (!transferable && from != address(0) && to != address(0)) revert TransfersDisabled();
        super._update(from, to, value);
    }
}
