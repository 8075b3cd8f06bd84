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
 *
 * The registry also keeps a directory of member organisations: the admin names the organisation behind
 * a registrar address (a display name and an optional URI or identifier such as an LEI), so every
 * member reads the same names from the chain, without configuration. A name is kept when the role is
 * removed, so past anchorings still read as that organisation's; every earlier name stays in the
 * {OrganisationRecorded} events.
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

    /**
     * @notice The member organisation behind a registrar address, as the directory records it.
     * @dev Two strings and a timestamp: the name takes one slot up to 31 bytes and three at 64, the URI one
     * slot up to 31 bytes and up to nine at 256; `updatedAt` takes a slot of its own. Only
     * {setOrganisation} writes it, after checking both strings, and nothing deletes it.
     * @param name Display name: 1 to 64 bytes of well-formed UTF-8, no control characters, no leading,
     * trailing or repeated spaces.
     * @param uri Optional URI or identifier (a website, an LEI): up to 256 bytes of visible ASCII, no spaces.
     * @param updatedAt Block time of the latest {setOrganisation} for this address; zero if it was never named.
     */
    struct Organisation {
        string name;
        string uri;
        uint40 updatedAt;
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

    /// @notice The zero address cannot be named: it never anchors, and a zero registrar means "no record".
    error DocumentRegistryInvalidRegistrar(address registrar);

    /// @notice An organisation name must be 1 to `maxLength` bytes long.
    error DocumentRegistryInvalidOrganisationNameLength(uint256 length, uint256 maxLength);

    /**
     * @notice The organisation name is not well-formed UTF-8 from byte `position` on: a stray continuation
     * byte, a truncated or overlong sequence, a surrogate or a code point above U+10FFFF.
     * @dev Checked so that every client decodes the same text (ethers, for one, refuses malformed UTF-8),
     * and so that no control character slips through as an overlong encoding.
     */
    error DocumentRegistryInvalidOrganisationNameEncoding(uint256 position);

    /// @notice The organisation name has a control character at byte `position`: C0 (U+0000 to U+001F),
    /// DEL (U+007F) or C1 (U+0080 to U+009F, encoded 0xC2 0x80 to 0xC2 0x9F).
    error DocumentRegistryInvalidOrganisationNameCharacter(uint256 position);

    /// @notice The organisation name has a space at byte `position` that is leading, trailing or follows
    /// another space: padding that would make two names look alike.
    error DocumentRegistryInvalidOrganisationNameSpacing(uint256 position);

    /// @notice An organisation URI may be at most `maxLength` bytes long.
    error DocumentRegistryInvalidOrganisationUriLength(uint256 length, uint256 maxLength);

    /// @notice The organisation URI has a byte at `position` outside visible ASCII (0x21 to 0x7E).
    error DocumentRegistryInvalidOrganisationUriCharacter(uint256 position);

    /// @notice The directory holds `count` organisations; `index` is not below it.
    error DocumentRegistryOrganisationIndexOutOfBounds(uint256 index, uint256 count);

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

    /**
     * @notice The admin named (or renamed) the organisation behind a registrar address.
     * @dev The full history of a directory entry is the sequence of these events for its address.
     * @param registrar The registrar address named; it need not hold {REGISTRAR_ROLE}.
     * @param name The organisation's display name.
     * @param uri The organisation's URI or identifier; empty if none.
     */
    event OrganisationRecorded(address indexed registrar, string name, string uri);

    /// @notice Semantic version of this contract's interface and storage.
    function version() external pure returns (string memory);

    /// @notice Role allowed to anchor and revoke. Its admin is the default admin role.
    function REGISTRAR_ROLE() external pure returns (bytes32);

    /// @notice Largest number of digests accepted in one batch.
    function MAX_BATCH_SIZE() external pure returns (uint256);

    /// @notice Longest organisation name accepted, in bytes of UTF-8.
    function MAX_ORGANISATION_NAME_LENGTH() external pure returns (uint256);

    /// @notice Longest organisation URI accepted, in bytes.
    function MAX_ORGANISATION_URI_LENGTH() external pure returns (uint256);

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
     * @notice Records the member organisation behind a registrar address, or renames it.
     * @dev Caller needs the default admin role. The address need not hold {REGISTRAR_ROLE}: a member can be
     * named before it is granted the role, and keeps its name after the role is removed. The first
     * naming of an address adds it to the directory ({organisationAt}); an entry is never removed, and a
     * mistaken one can only be renamed. Reverts with {DocumentRegistryInvalidRegistrar},
     * {DocumentRegistryInvalidOrganisationNameLength}, {DocumentRegistryInvalidOrganisationNameEncoding},
     * {DocumentRegistryInvalidOrganisationNameCharacter}, {DocumentRegistryInvalidOrganisationNameSpacing},
     * {DocumentRegistryInvalidOrganisationUriLength} or {DocumentRegistryInvalidOrganisationUriCharacter},
     * the name checked first and each string from its first byte on. Emits {OrganisationRecorded}.
     * @param registrar The registrar address to name; not zero.
     * @param name Display name (see {Organisation}).
     * @param uri URI or identifier, or the empty string (see {Organisation}).
     */
    function setOrganisation(address registrar, string calldata name, string calldata uri) external;

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

    /// @notice The organisation named for `registrar`; empty strings and a zero `updatedAt` if none.
    function organisationOf(address registrar) external view returns (Organisation memory);

    /// @notice Number of addresses ever named in the directory.
    function organisationCount() external view returns (uint256);

    /**
     * @notice The registrar address at `index` in the directory, in the order they were first named.
     * @dev Reverts with {DocumentRegistryOrganisationIndexOutOfBounds} unless `index < organisationCount()`.
     */
    function organisationAt(uint256 index) external view returns (address registrar);

    /// @notice The StandardMerkleTree leaf of a `bytes32` digest.
    function leafOf(bytes32 digest) external pure returns (bytes32);

    /**
     * @notice The Merkle root of `digests`, exactly as {anchorBatch} rebuilds it.
     * @dev Same ordering rules and reverts as {anchorBatch}; lets clients check their tree code.
     */
    function computeRoot(bytes32[] calldata digests) external pure returns (bytes32);
}
