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
contract LoyaltyPoints is ERC20Pausable, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice False when the token was deployed non-transferable: only mint and burn move it.
    bool public immutable transferable;

    mapping(bytes32 batchId => bool) private _batchUsed;

    event BatchMinted(bytes32 indexed batchId, uint256 count, uint256 total);
    event BatchBurned(bytes32 indexed batchId, uint256 count, uint256 total);

    error BatchAlreadyProcessed(bytes32 batchId);
    error BatchLengthMismatch(uint256 accounts, uint256 amounts);
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
