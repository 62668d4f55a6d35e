// SPDX-License-Identifier: Apache-2.0 OR MIT
pragma solidity ^0.8.20;

/// @title AnchorRegistry: write-once anchors of certanchor batches.
/// @notice The owner (the deploying authority) manages a set of issuer
/// accounts. An authorized issuer records each anchor exactly once: the
/// anchor id (SHA-256 of the COSE_Sign payload), the batch's Merkle root and
/// tree size, and the batch name. A record is never overwritten and never
/// deleted; the contract has no function that could do either.
contract AnchorRegistry {
    struct Record {
        uint64 blockNumber;
        uint64 timestamp;
        uint64 treeSize;
        uint64 index;
        address issuer;
        bytes32 root;
    }

    /// Longest batch name accepted, bytes.
    uint256 public constant MAX_BATCH_LEN = 256;

    /// The account that may authorize and deauthorize issuers.
    address public owner;
    /// Accounts allowed to call `record`.
    mapping(address => bool) public authorized;
    /// Number of anchors recorded; the next record's index.
    uint64 public count;

    mapping(bytes32 => Record) private records;

    /// The caller is not the owner.
    error NotOwner(address caller);
    /// The caller is not an authorized issuer.
    error Unauthorized(address caller);
    /// The anchor id is already recorded (records are write-once).
    error AlreadyAnchored(bytes32 anchorId, uint64 blockNumber, address issuer);
    /// Zero anchor id, zero root, zero tree size or an over-long batch name.
    error InvalidAnchor();

    /// An anchor was recorded.
    event Anchored(
        bytes32 indexed anchorId,
        address indexed issuer,
        bytes32 root,
        uint64 treeSize,
        uint64 index,
        string batch
    );
    /// An issuer was authorized (`allowed` true) or deauthorized.
    event IssuerSet(address indexed issuer, bool allowed);
    /// Ownership moved.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// Authorizes or deauthorizes an issuer account. Deauthorizing never
    /// touches what the account already recorded.
    function setIssuer(address issuer, bool allowed) external onlyOwner {
        authorized[issuer] = allowed;
        emit IssuerSet(issuer, allowed);
    }

    /// Hands the registry to a new owner.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert NotOwner(address(0));
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// Records an anchor once. Returns its index (0, 1, 2, … in record order).
    function record(bytes32 anchorId, bytes32 root, uint64 treeSize, string calldata batch)
        external
        returns (uint64 index)
    {
        if (!authorized[msg.sender]) revert Unauthorized(msg.sender);
        if (anchorId == bytes32(0) || root == bytes32(0) || treeSize == 0 || bytes(batch).length > MAX_BATCH_LEN) {
            revert InvalidAnchor();
        }
        Record storage r = records[anchorId];
        if (r.issuer != address(0)) revert AlreadyAnchored(anchorId, r.blockNumber, r.issuer);
        index = count;
        count = index + 1;
        r.blockNumber = uint64(block.number);
        r.timestamp = uint64(block.timestamp);
        r.treeSize = treeSize;
        r.index = index;
        r.issuer = msg.sender;
        r.root = root;
        emit Anchored(anchorId, msg.sender, root, treeSize, index, batch);
    }

    /// Where and by whom an anchor was recorded; all zero when it was not.
    function anchoredAt(bytes32 anchorId)
        external
        view
        returns (uint64 blockNumber, uint64 timestamp, address issuer, bytes32 root, uint64 treeSize)
    {
        Record storage r = records[anchorId];
        return (r.blockNumber, r.timestamp, r.issuer, r.root, r.treeSize);
    }

    /// The record index of an anchor; `found` is false when it was not recorded.
    function indexOf(bytes32 anchorId) external view returns (bool found, uint64 index) {
        Record storage r = records[anchorId];
        return (r.issuer != address(0), r.index);
    }
}
