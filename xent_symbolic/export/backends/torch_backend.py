"""The torch backend: the vectorised driver, over these helpers."""

from __future__ import annotations

from .record import Backend
from .vectorised import SKELETON

HELPERS = '''
def _array(value):
    """value as a tensor: tensors as they are; NumPy arrays with their dtype (sharing memory where torch can)
    and nested lists read as NumPy reads them (floats become float64); a non-numeric array stays a NumPy
    array, for its error message."""
    if isinstance(value, torch.Tensor):
        return value
    import numpy as np  # only for inputs that are not tensors

    value = np.asarray(value)
    if value.dtype.kind not in "biufc":
        return value
    if not (value.flags.writeable and value.dtype.isnative and min(value.strides, default=0) >= 0):
        value = np.array(value, dtype=value.dtype.newbyteorder("="))  # a layout torch can share
    return torch.as_tensor(value)


def _concrete(value):
    """Always True: eager torch values can be read."""
    return True


def _any(flags):
    """Whether any flag of a check is set."""
    return bool(flags.any())


def _dtype(value):
    return str(value.dtype).removeprefix("torch.")


def _numeric(value):
    return isinstance(value, torch.Tensor) and not value.dtype.is_complex


def _integer(value):
    return _numeric(value) and not value.dtype.is_floating_point and value.dtype != torch.bool


def _cast(value, X):
    return value.to(device=X.device, dtype=X.dtype)


def _one_hot(Y, K, X):
    return (Y.to(X.device)[:, None] == torch.arange(K, device=X.device)).to(X.dtype)


def _eps(X):
    return torch.finfo(X.dtype).eps


#: the row blocks of a matrix-vector product on the CPU, and the fewest rows a block has before it is split:
#: torch's CPU matrix-vector product runs on one thread, a batched product (bmm) runs its blocks on all threads
_BLOCKS, _BLOCK_ROWS = 16, 4096


def _blocks(A):
    """The rows of A that go into the equal blocks (0: do not split): a 2-D contiguous CPU A with enough rows."""
    rows = A.shape[0] - A.shape[0] % _BLOCKS
    split = A.device.type == "cpu" and A.dim() == 2 and A.is_contiguous() and rows >= _BLOCKS * _BLOCK_ROWS
    return rows if split else 0


def _matvec(A, v):
    """A @ v (A 2-D, v 1-D): on the CPU, each block of rows times v as one batched product; the same sums."""
    m = _blocks(A)
    if m == 0:
        return A @ v
    head = torch.bmm(v.expand(_BLOCKS, -1).unsqueeze(1), A[:m].view(_BLOCKS, m // _BLOCKS, -1).transpose(1, 2))
    head = head.reshape(m)
    return head if m == A.shape[0] else torch.cat([head, A[m:] @ v])


def _vecmat(v, A):
    """v @ A (v 1-D, A 2-D): on the CPU, each block's partial sum as one batched product, the blocks added."""
    m = _blocks(A)
    if m == 0:
        return v @ A
    head = torch.bmm(v[:m].view(_BLOCKS, 1, m // _BLOCKS), A[:m].view(_BLOCKS, m // _BLOCKS, -1)).sum(dim=0)
    head = head.reshape(-1)
    return head if m == A.shape[0] else head + v[m:] @ A[m:]


def _first(bad):
    """The index of the first True of a boolean tensor (error path only)."""
    return tuple(int(i) for i in bad.nonzero()[0])


def _text(value):
    """A scalar tensor as the numpy module prints it (error path only)."""
    return str(value.detach().cpu().numpy()[()])
'''


NOTES = """
torch: every array argument may be a torch tensor, a NumPy array (its dtype kept) or a nested list (read as
NumPy reads it: floats become float64); labels and parameters take X's dtype and device. The checks and their messages are the
numpy module's; the value checks read the values, so on an accelerator they wait for it.
"""

BACKEND = Backend(
    name="torch",
    package="torch",
    imports="import torch",
    spelling="torch",
    functions={
        "where": "torch.where({0}, {1}, {2})",
        "relu": "torch.clamp({0}, min=0)",
        "negative_part": "torch.clamp({0}, max=0)",
        "sign": "torch.sign({0})",
    },
    isfinite="torch.isfinite",
    exp="torch.exp",
    row_max="Z.amax(dim=1, keepdim=True)",
    permute="torch.permute({0}, {1})",
    einsum="torch.einsum({0})",
    axis="dim",
    keepdims="keepdim",
    convert="X.to(torch.float64)",
    skeleton=SKELETON,
    helpers=HELPERS,
    jit="",
    notes=NOTES,
    matvec="_matvec({0}, {1})",
    vecmat="_vecmat({0}, {1})",
)
