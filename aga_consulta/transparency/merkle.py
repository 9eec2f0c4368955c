"""RFC 9162 section 2.1 Merkle trees: hashes, roots, inclusion and consistency proofs.

Hashing (2.1.1): leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right), and
the empty tree's root is SHA-256 of nothing.

Proofs are built from stored *perfect subtrees*: the node at (level, index) is the root of
the 2**level leaves index * 2**level .. (index + 1) * 2**level - 1, and exists once all of
them are in the log. Every hash a proof needs is either such a node or the root of a range
at the tree's right edge, which folds O(log n) of them. So generation is in two steps:

1. a *plan* (`root_plan`, `inclusion_plan`, `consistency_plan`) lists, per proof element,
   the (level, index) nodes it folds; `plan_nodes` collects them, so a database can fetch
   them all in one query;
2. `assemble(plan, hash_at)` turns the plan into hashes, where `hash_at(level, index)`
   returns a stored node (a dict's `__getitem__` after that query will do).

`inclusion_proof`, `consistency_proof` and `root` do both steps over any `hash_at`;
`MemoryTree` is the in-memory store of every node (about 2n hashes) and `append_leaves`
says which nodes to store when leaves are appended, reading only the old tree's right edge
(`root_plan(old_size)`). Verification transcribes RFC 9162 2.1.3.2 and 2.1.4.2.
"""
import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof that does not prove what it claims, or one asked of sizes it cannot exist for."""


def leaf_hash(entry):
    """Return the RFC 9162 leaf hash of `entry` (bytes): SHA-256(0x00 || entry)."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    """Return the RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n):
    # RFC 9162's k: the largest power of two smaller than n (n > 1).
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_subtrees(start, end):
    """The (level, index) nodes whose fold is MTH(D[start:end]), left to right.

    RFC 9162 splits a range at the largest power of two below its length, and the left part
    of every split is a perfect subtree; the ranges that the definitions of MTH, PATH and
    PROOF reach are aligned so that each part is a stored node.
    """
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"the range {start}..{end} is not one that RFC 9162 trees contain")
        nodes.append((level, start >> level))
        start += 1 << level
    return tuple(nodes)


def _fold(nodes, hash_at):
    result = hash_at(*nodes[-1])
    for node in reversed(nodes[:-1]):
        result = node_hash(hash_at(*node), result)
    return result


def _check_size(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")


def root_plan(size):
    """Return the nodes whose fold is the root of the first `size` leaves: the tree's right edge."""
    _check_size("size", size)
    return _perfect_subtrees(0, size)


def inclusion_plan(index, size):
    """Return the plan of PATH(index, D[size]) (RFC 9162 2.1.3.1): one node tuple per proof hash."""
    _check_size("index", index)
    _check_size("size", size)
    if index >= size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    plan = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            plan.append(_perfect_subtrees(start + k, end))
            end = start + k
        else:
            plan.append(_perfect_subtrees(start, start + k))
            start += k
    # The recursion appends the sibling after the deeper path: the leaf's sibling comes first.
    plan.reverse()
    return plan


def consistency_plan(old_size, new_size):
    """Return the plan of PROOF(old_size, D[new_size]) (RFC 9162 2.1.4.1), for 0 < old_size <= new_size."""
    _check_size("old_size", old_size)
    _check_size("new_size", new_size)
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} leaves to {new_size}")
    plan = []
    # SUBPROOF(m, D[start:end], complete), m counted from start.
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            plan.append(_perfect_subtrees(start + k, end))
            end = start + k
        else:
            plan.append(_perfect_subtrees(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        plan.append(_perfect_subtrees(start, end))
    plan.reverse()
    return plan


def plan_nodes(*plans):
    """Return the set of (level, index) nodes that `plans` (root plans or proof plans) read."""
    nodes = set()
    for plan in plans:
        for item in plan:
            if item and isinstance(item[0], tuple):
                nodes.update(item)
            else:
                nodes.add(item)
    return nodes


def assemble(plan, hash_at):
    """Return the proof hashes of a proof plan, reading nodes through `hash_at(level, index)`."""
    return [_fold(nodes, hash_at) for nodes in plan]


def root(hash_at, size):
    """Return MTH of the first `size` leaves from the stored nodes (the empty tree's root for 0)."""
    nodes = root_plan(size)
    return _fold(nodes, hash_at) if nodes else EMPTY_ROOT


def inclusion_proof(hash_at, index, size):
    """Return PATH(index, D[size]) as a list of hashes, leaf's sibling first."""
    return assemble(inclusion_plan(index, size), hash_at)


def consistency_proof(hash_at, old_size, new_size):
    """Return PROOF(old_size, D[new_size]) as a list of hashes (empty when the sizes are equal)."""
    return assemble(consistency_plan(old_size, new_size), hash_at)


def root_of_leaf_hashes(leaf_hashes):
    """Return MTH of a sequence of leaf hashes in one pass, holding O(log n) hashes.

    A stack of perfect subtrees, merged as they complete, then folded right to left: the
    same greedy split RFC 9162 makes, so a million-entry log needs no tree in memory.
    """
    stack = []  # [level, hash], levels strictly decreasing
    for hashed in leaf_hashes:
        level = 0
        while stack and stack[-1][0] == level:
            hashed = node_hash(stack.pop()[1], hashed)
            level += 1
        stack.append((level, hashed))
    if not stack:
        return EMPTY_ROOT
    result = stack[-1][1]
    for _, hashed in reversed(stack[:-1]):
        result = node_hash(hashed, result)
    return result


def append_leaves(hash_at, size, leaf_hashes):
    """Return (nodes, new_root) after appending `leaf_hashes` to a tree of `size` leaves.

    `nodes` lists every new (level, index, hash) to store, leaves (level 0) included, in
    the order they complete. `hash_at` is only asked for nodes of `root_plan(size)`, the
    old tree's right edge, so a sequencer reads O(log n) stored nodes per batch.
    """
    _check_size("size", size)
    new = {}

    def lookup(level, index):
        found = new.get((level, index))
        return found if found is not None else hash_at(level, index)

    index = size
    for hashed in leaf_hashes:
        if len(hashed) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        new[(0, index)] = hashed
        level, position = 0, index
        while position & 1:
            hashed = node_hash(lookup(level, position - 1), hashed)
            level, position = level + 1, position >> 1
            new[(level, position)] = hashed
        index += 1
    return [(level, position, hashed) for (level, position), hashed in new.items()], root(lookup, index)


class MemoryTree:
    """Every perfect subtree of a growing log, in memory: `levels[level][index]`."""

    def __init__(self, leaf_hashes=()):
        self.levels = [[]]
        for hashed in leaf_hashes:
            self.append(hashed)

    @classmethod
    def of_entries(cls, entries):
        """Return the tree of `entries` (bytes each), hashed as leaves."""
        return cls(leaf_hash(entry) for entry in entries)

    @property
    def size(self):
        """The number of leaves."""
        return len(self.levels[0])

    def append(self, hashed):
        """Append one leaf hash and the nodes it completes."""
        if len(hashed) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        level = 0
        self.levels[0].append(hashed)
        position = len(self.levels[0]) - 1
        while position & 1:
            hashed = node_hash(self.levels[level][position - 1], hashed)
            level, position = level + 1, position >> 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(hashed)

    def hash_at(self, level, index):
        """Return the node (level, index); LookupError if that subtree is not complete."""
        try:
            return self.levels[level][index]
        except IndexError:
            raise LookupError(f"no complete subtree at level {level}, index {index}") from None

    def root(self, size=None):
        """Return MTH of the first `size` leaves (all of them by default)."""
        return root(self.hash_at, self.size if size is None else self._within(size))

    def inclusion_proof(self, index, size=None):
        """Return PATH(index, D[size]) (size: the whole tree by default)."""
        return inclusion_proof(self.hash_at, index, self.size if size is None else self._within(size))

    def consistency_proof(self, old_size, new_size=None):
        """Return PROOF(old_size, D[new_size]) (new_size: the whole tree by default)."""
        return consistency_proof(self.hash_at, old_size, self.size if new_size is None else self._within(new_size))

    def _within(self, size):
        _check_size("size", size)
        if size > self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
        return size


def _check_proof_size(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProofError(f"{name} must be a non-negative integer, not {value!r}")


def _check_hash(what, value):
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(hashed_leaf, index, size, proof, root_hash):
    """Check that `proof` proves leaf `index` of a tree of `size` leaves with root `root_hash`.

    RFC 9162 2.1.3.2, step by step. Returns None; raises ProofError otherwise.
    """
    _check_proof_size("index", index)
    _check_proof_size("size", size)
    _check_hash("the leaf hash", hashed_leaf)
    if index >= size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn = index, size - 1
    r = bytes(hashed_leaf)
    for position, p in enumerate(proof):
        _check_hash(f"proof hash {position}", p)
        if sn == 0:
            raise ProofError("the proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof has fewer hashes than the tree has levels")
    if r != root_hash:
        raise ProofError("the proof leads to another root hash")


def verify_consistency(old_size, new_size, proof, old_root, new_root):
    """Check that `proof` proves the tree (new_size, new_root) extends (old_size, old_root).

    RFC 9162 2.1.4.2 for 0 < old_size < new_size. RFC 9162 defines PROOF(m, D[n]) for
    0 < m only: a proof from the empty tree is refused, as the reference vectors require.
    Equal sizes need an empty proof and the same root (compared as given). Returns None;
    raises ProofError otherwise.
    """
    _check_proof_size("old_size", old_size)
    _check_proof_size("new_size", new_size)
    if old_size > new_size:
        raise ProofError(f"the old tree ({old_size} leaves) is larger than the new one ({new_size})")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if old_root != new_root:
            raise ProofError("two trees of the same size have different roots")
        return
    _check_hash("the old root", old_root)
    _check_hash("the new root", new_root)
    if not proof:
        raise ProofError("the proof is empty")
    for position, c in enumerate(proof):
        _check_hash(f"proof hash {position}", c)
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof has more hashes than the trees have levels")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof has fewer hashes than the trees have levels")
    if fr != old_root:
        raise ProofError("the proof leads to another old root hash")
    if sr != new_root:
        raise ProofError("the proof leads to another new root hash")
