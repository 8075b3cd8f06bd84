// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title IDocumentRegistry
 * @notice Tamper-evident proofs that a document (by its SHA-256 digest) existed at a block's time and
 * that a registrar vouched for it, with per-anchoring revocation.
 *
 * Every anchoring is a Merkle root over OpenZeppelin StandardMerkleTree leaves of one `bytes32` value:
 * `leaf = keccak256(bytes.concat(keccak256(abi.encode(digest))))`, nodes hashed as sorted pairs (as in
 * `MerkleProof`). A single document is a tree of one leaf: its root is its leaf and its proof is empty.
 * So one record type, one proof check and one revocation rule serve single and batch anchorings alike.
 *
 * A batch is anchored with its digests in calldata, in ascending order of their leaves, and the
 * contract rebuilds the root from them. Anyone holding the chain can therefore rebuild every member's
 * proof from the transaction input alone, without the issuer's database or the holder's receipt.
 */
interface IDocumentRegistry {
    /// @notice Status of a document within one anchoring.
    enum Status {
        Unknown,
        Anchored,
        Revoked
    }

    /**
     * @notice One anchoring: a single document or a batch, keyed by its Merkle root.
     * @dev Packed into one storage slot: 160 + 40 + 40 + 16 bits. uint40 seconds and blocks last
     * until the year 36812 even at one block per second.
     */
    struct Anchor {
        address registrar;
        uint40 anchoredAt;
        uint40 blockNumber;
        uint16 leafCount;
    }

    /// @notice Revocation of one document within one anchoring. Packed into one slot; final once set.
    struct Revocation {
        address revokedBy;
        uint40 revokedAt;
        uint40 blockNumber;
        uint16 reason;
    }

    /// @notice The digest is zero, which no SHA-256 of real content is; it signals a caller bug.
    error DocumentRegistryZeroDigest();

    /// @notice The root (or single document) is already anchored; `existing` is its record.
    error DocumentRegistryAlreadyAnchored(bytes32 root, Anchor existing);

    /// @notice A batch must hold at least one digest.
    error DocumentRegistryEmptyBatch();

    /// @notice The batch holds more digests than `maxSize`.
    error DocumentRegistryBatchTooLarge(uint256 size, uint256 maxSize);

    /// @notice The leaf of the digest at `index` is not strictly greater than the one before it.
    /// @dev Strict order makes the tree layout canonical and rejects duplicate members.
    error DocumentRegistryUnsortedBatch(uint256 index);

    /// @notice The root rebuilt from the batch digests differs from the root the caller declared.
    error DocumentRegistryRootMismatch(bytes32 declared, bytes32 computed);

    /// @notice No anchoring exists with this root.
    error DocumentRegistryUnknownRoot(bytes32 root);

    /// @notice The proof does not place `digest` under `root`.
    error DocumentRegistryInvalidProof(bytes32 root, bytes32 digest);

    /// @notice The document is already revoked within this anchoring; `existing` is the revocation.
    error DocumentRegistryAlreadyRevoked(bytes32 root, bytes32 digest, Revocation existing);

    /// @notice Only the registrar that anchored `root`, or an admin, may revoke its documents.
    error DocumentRegistryUnauthorizedRevoker(address account, address registrar);

    /**
     * @notice A single document was anchored.
     * @param digest SHA-256 of the document.
     * @param root Root of its one-leaf tree, i.e. its leaf; the key of its {Anchor}.
     * @param registrar The account that anchored it.
     */
    event DocumentAnchored(bytes32 indexed digest, bytes32 indexed root, address indexed registrar);

    /**
     * @notice A batch of documents was anchored; the digests are in this transaction's calldata.
     * @param root Merkle root of the batch; the key of its {Anchor}.
     * @param registrar The account that anchored it.
     * @param leafCount Number of documents in the batch.
     */
    event BatchAnchored(bytes32 indexed root, address indexed registrar, uint256 leafCount);

    /**
     * @notice A document was revoked within one anchoring.
     * @param root Root of the anchoring.
     * @param digest SHA-256 of the document.
     * @param revokedBy The registrar or admin that revoked it.
     * @param reason Reason code (see docs/revocation-reasons.md); 0 is "unspecified".
     */
    event DocumentRevoked(bytes32 indexed root, bytes32 indexed digest, address indexed revokedBy, uint16 reason);

    /// @notice Semantic version of this contract's interface and storage.
    function version() external pure returns (string memory);

    /// @notice Role allowed to anchor and revoke. Its admin is the default admin role.
    function REGISTRAR_ROLE() external pure returns (bytes32);

    /// @notice Largest number of digests accepted in one batch.
    function MAX_BATCH_SIZE() external pure returns (uint256);

    /**
     * @notice Anchors one document.
     * @dev Caller needs {REGISTRAR_ROLE}. Its root is {leafOf}(digest). Reverts with
     * {DocumentRegistryZeroDigest} or {DocumentRegistryAlreadyAnchored}. Emits {DocumentAnchored}.
     * @param digest SHA-256 of the document.
     */
    function anchor(bytes32 digest) external;

    /**
     * @notice Anchors a batch of documents under one Merkle root.
     * @dev Caller needs {REGISTRAR_ROLE}. `digests` must be ordered by ascending {leafOf} (the order
     * StandardMerkleTree sorts them into), so the tree is canonical; the root is rebuilt on chain and
     * must equal `root`. Reverts with {DocumentRegistryEmptyBatch}, {DocumentRegistryBatchTooLarge},
     * {DocumentRegistryZeroDigest}, {DocumentRegistryUnsortedBatch}, {DocumentRegistryRootMismatch} or
     * {DocumentRegistryAlreadyAnchored}. Emits {BatchAnchored}.
     * @param root Merkle root the caller computed off chain.
     * @param digests SHA-256 digests of the documents, ordered by ascending leaf.
     */
    function anchorBatch(bytes32 root, bytes32[] calldata digests) external;

    /**
     * @notice Revokes a document within one anchoring. Final: a revocation is never undone.
     * @dev Caller must hold {REGISTRAR_ROLE} and be the anchoring's registrar, or hold the default
     * admin role. For a single document pass `root = leafOf(digest)` and an empty proof. Reverts
     * with {DocumentRegistryUnknownRoot}, {DocumentRegistryInvalidProof},
     * {DocumentRegistryUnauthorizedRevoker} or {DocumentRegistryAlreadyRevoked}. Emits {DocumentRevoked}.
     * @param root Root of the anchoring that holds the document.
     * @param digest SHA-256 of the document.
     * @param proof Merkle proof of the document's leaf under `root`.
     * @param reason Reason code (see docs/revocation-reasons.md).
     */
    function revoke(bytes32 root, bytes32 digest, bytes32[] calldata proof, uint16 reason) external;

    /**
     * @notice The anchoring with this root; all fields zero if there is none.
     * @param root A batch root, or {leafOf}(digest) for a single document.
     */
    function anchorOf(bytes32 root) external view returns (Anchor memory);

    /**
     * @notice The single anchoring of `digest` (by {anchor}); all fields zero if there is none.
     * @dev Batch memberships are found through {BatchAnchored} events or receipts, then {verify}.
     */
    function documentAnchorOf(bytes32 digest) external view returns (Anchor memory);

    /// @notice The revocation of `digest` within the anchoring `root`; all fields zero if none.
    function revocationOf(bytes32 root, bytes32 digest) external view returns (Revocation memory);

    /**
     * @notice Checks a document against an anchoring in one call.
     * @param digest SHA-256 of the document.
     * @param root Root of the anchoring (a batch root, or {leafOf}(digest) for a single document).
     * @param proof Merkle proof of the document's leaf under `root`.
     * @return status Unknown if the root is not anchored or the proof fails; Revoked or Anchored otherwise.
     * @return anchorRecord The anchoring's record (zero when Unknown).
     * @return revocation The revocation (zero unless Revoked).
     */
    function verify(
        bytes32 digest,
        bytes32 root,
        bytes32[] calldata proof
    ) external view returns (Status status, Anchor memory anchorRecord, Revocation memory revocation);

    /// @notice The StandardMerkleTree leaf of a `bytes32` digest.
    function leafOf(bytes32 digest) external pure returns (bytes32);

    /**
     * @notice The Merkle root of `digests`, exactly as {anchorBatch} rebuilds it.
     * @dev Same ordering rules and reverts as {anchorBatch}; lets clients check their tree code.
     */
    function computeRoot(bytes32[] calldata digests) external pure returns (bytes32);
}
