"""RFC 9162 Merkle trees: the reference vectors, the RFC's recursive definitions, and properties."""
import hashlib
import random

import pytest

from aga_consulta.transparency import merkle
from aga_consulta.transparency.merkle import (
    EMPTY_ROOT, MemoryTree, ProofError, append_leaves, consistency_plan, inclusion_plan, leaf_hash, node_hash,
    plan_nodes, root_of_leaf_hashes, root_plan, verify_consistency, verify_inclusion,
)
from tests.transparency.vector_cases import (
    CONSISTENCY_FILES, INCLUSION_FILES, VECTORS, consistency_case, inclusion_case, tree,
)


# The RFC's definitions, transcribed as recursions over a list of leaf hashes: slow and
# plain, so that the stored-node implementation is checked against the text itself.
def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return node_hash(rfc_mth(leaves[:k]), rfc_mth(leaves[k:]))


def rfc_path(m, leaves):
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return rfc_path(m, leaves[:k]) + [rfc_mth(leaves[k:])]
    return rfc_path(m - k, leaves[k:]) + [rfc_mth(leaves[:k])]


def rfc_subproof(m, leaves, complete):
    n = len(leaves)
    if m == n:
        return [] if complete else [rfc_mth(leaves)]
    k = _k(n)
    if m <= k:
        return rfc_subproof(m, leaves[:k], complete) + [rfc_mth(leaves[k:])]
    return rfc_subproof(m - k, leaves[k:], False) + [rfc_mth(leaves[:k])]


def _leaves(n, seed=0):
    return [leaf_hash(f"entry {seed} {i}".encode()) for i in range(n)]


def _flipped(value, rng):
    position = rng.randrange(len(value))
    return value[:position] + bytes([value[position] ^ (1 << rng.randrange(8))]) + value[position + 1:]


# --- the reference vectors -------------------------------------------------------------

def test_roots_of_the_reference_tree_for_every_size():
    inputs, roots = tree()
    assert roots[0] == EMPTY_ROOT
    for size, expected in enumerate(roots):
        hashes = [leaf_hash(entry) for entry in inputs[:size]]
        assert root_of_leaf_hashes(hashes) == expected, size
        assert MemoryTree(hashes).root() == expected, size
        assert MemoryTree.of_entries(inputs).root(size) == expected, size
        assert rfc_mth(hashes) == expected, size


def test_every_proof_vector_file_is_run():
    on_disk = {path for path in VECTORS.rglob("*.json")} - {VECTORS / "rfc6962-tree.json", VECTORS / "signed-note-kat.json"}
    run = {case.values[0] for case in INCLUSION_FILES + CONSISTENCY_FILES}
    assert run == on_disk and len(run) == 196


@pytest.mark.parametrize("path", INCLUSION_FILES)
def test_inclusion_vector(path):
    hashed_leaf, index, size, proof, root_hash, want_error = inclusion_case(path)
    if want_error:
        with pytest.raises(ProofError):
            verify_inclusion(hashed_leaf, index, size, proof, root_hash)
    else:
        verify_inclusion(hashed_leaf, index, size, proof, root_hash)


@pytest.mark.parametrize("path", CONSISTENCY_FILES)
def test_consistency_vector(path):
    size1, size2, proof, root1, root2, want_error = consistency_case(path)
    if want_error:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, root2)
    else:
        verify_consistency(size1, size2, proof, root1, root2)


def test_generated_proofs_equal_the_happy_paths_of_the_reference_tree():
    inputs, roots = tree()
    reference = MemoryTree.of_entries(inputs)
    matched = 0
    for path in INCLUSION_FILES:
        hashed_leaf, index, size, proof, root_hash, want_error = inclusion_case(path.values[0])
        if not want_error and size <= 8 and roots[size] == root_hash:
            assert reference.inclusion_proof(index, size) == proof
            matched += 1
    for path in CONSISTENCY_FILES:
        size1, size2, proof, root1, root2, want_error = consistency_case(path.values[0])
        if not want_error and 0 < size1 < size2 <= 8 and (roots[size1], roots[size2]) == (root1, root2):
            assert reference.consistency_proof(size1, size2) == proof
            matched += 1
    assert matched >= 8


# --- the implementation against the RFC's recursive text -------------------------------

def test_proofs_equal_the_rfc_definitions_for_every_small_tree():
    leaves = _leaves(40)
    stored = MemoryTree(leaves)
    for n in range(1, 41):
        assert stored.root(n) == rfc_mth(leaves[:n])
        for m in range(n):
            assert stored.inclusion_proof(m, n) == rfc_path(m, leaves[:n]), (m, n)
        for m in range(1, n + 1):
            assert stored.consistency_proof(m, n) == rfc_subproof(m, leaves[:n], True), (m, n)


def test_a_dict_of_planned_nodes_is_enough_to_build_a_proof():
    stored = MemoryTree(_leaves(300))
    plans = [root_plan(300), inclusion_plan(123, 300), consistency_plan(77, 300)]
    fetched = {node: stored.hash_at(*node) for node in plan_nodes(*plans)}
    assert len(fetched) <= 3 * 2 * 9
    lookup = lambda level, index: fetched[(level, index)]  # noqa: E731
    assert merkle.root(lookup, 300) == stored.root()
    assert merkle.inclusion_proof(lookup, 123, 300) == stored.inclusion_proof(123, 300)
    assert merkle.consistency_proof(lookup, 77, 300) == stored.consistency_proof(77, 300)


def test_appending_reads_only_the_old_right_edge():
    rng = random.Random(14)
    leaves = _leaves(500, seed=1)
    reference = MemoryTree(leaves)
    stored = {}
    size = 0
    while size < len(leaves):
        batch = leaves[size:size + rng.randint(1, 40)]
        allowed = set(root_plan(size))
        read = []

        def hash_at(level, index):
            read.append((level, index))
            return stored[(level, index)]

        nodes, new_root = append_leaves(hash_at, size, batch)
        assert set(read) <= allowed
        stored.update({(level, index): hashed for level, index, hashed in nodes})
        size += len(batch)
        assert new_root == reference.root(size)
    assert stored == {(level, index): hashed for level, row in enumerate(reference.levels)
                      for index, hashed in enumerate(row)}


# --- properties ----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_every_proof_of_a_random_tree_verifies_and_a_flipped_byte_fails(seed):
    rng = random.Random(seed)
    n = rng.randint(150, 300)
    stored = MemoryTree(_leaves(n, seed))
    roots = [stored.root(size) for size in range(n + 1)]
    for m in range(n):
        proof = stored.inclusion_proof(m, n)
        verify_inclusion(stored.hash_at(0, m), m, n, proof, roots[n])
        if proof:
            bad = list(proof)
            position = rng.randrange(len(bad))
            bad[position] = _flipped(bad[position], rng)
            with pytest.raises(ProofError):
                verify_inclusion(stored.hash_at(0, m), m, n, bad, roots[n])
        with pytest.raises(ProofError):
            verify_inclusion(_flipped(stored.hash_at(0, m), rng), m, n, proof, roots[n])
    for first in range(1, n + 1):
        for second in range(first, n + 1):
            verify_consistency(first, second, stored.consistency_proof(first, second), roots[first], roots[second])
    for _ in range(300):
        first = rng.randint(1, n - 1)
        second = rng.randint(first + 1, n)
        proof = stored.consistency_proof(first, second)
        bad = list(proof)
        position = rng.randrange(len(bad))
        bad[position] = _flipped(bad[position], rng)
        with pytest.raises(ProofError):
            verify_consistency(first, second, bad, roots[first], roots[second])
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, _flipped(roots[first], rng), roots[second])
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, roots[first], _flipped(roots[second], rng))


def test_a_proof_for_another_position_or_tree_shape_fails():
    # Sizes 33..64 give leaf 5 the same path shape: the root, not the size, binds those.
    stored = MemoryTree(_leaves(37))
    proof = stored.inclusion_proof(5, 37)
    for index, size in [(4, 37), (6, 37), (5, 32), (5, 65)]:
        with pytest.raises(ProofError):
            verify_inclusion(stored.hash_at(0, 5), index, size, proof, stored.root())


@pytest.mark.parametrize("arguments", [(-1, 5), (5, 5), (0, 0), (1.5, 3), (True, 3)])
def test_bad_positions_are_refused(arguments):
    index, size = arguments
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(b"x"), index, size, [], EMPTY_ROOT)
    with pytest.raises(ValueError):
        inclusion_plan(index, size)


@pytest.mark.parametrize("sizes", [(0, 3), (4, 3), (-1, 3)])
def test_consistency_plans_exist_only_from_a_non_empty_tree_to_a_larger_or_equal_one(sizes):
    with pytest.raises(ValueError):
        consistency_plan(*sizes)


def test_the_memory_tree_refuses_what_it_does_not_hold():
    stored = MemoryTree(_leaves(5))
    with pytest.raises(LookupError):
        stored.hash_at(2, 1)
    with pytest.raises(ValueError):
        stored.root(6)
    with pytest.raises(ValueError):
        stored.append(b"short")
