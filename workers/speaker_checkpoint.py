"""Reading torch checkpoints without torch, for the speaker worker: a restricted unpickler.

It understands both of torch's file formats (the legacy stream Resemblyzer ships and the
zip archive of newer torch versions) and resolves only the three names a float32
``state_dict`` needs (``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` and
``torch.FloatStorage``); any other global in the file makes loading fail with
:class:`CheckpointError`.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
MAX_STORAGE_ELEMENTS = 1 << 28  # 1 GiB of float32: far above any encoder checkpoint


class CheckpointError(Exception):
    """The file is not a torch checkpoint this loader can (or is willing to) read."""


class _Refuse:
    """Objects the unpickler creates itself: a BUILD opcode may not change them."""

    def __setstate__(self, state: Any) -> None:
        raise CheckpointError("malformed checkpoint (state set on a storage or tensor)")


class _FloatStorageType(_Refuse):
    """Stands for ``torch.FloatStorage`` while unpickling (only ever compared by identity)."""


class _Storage(_Refuse):
    """A float32 storage whose bytes may arrive after the pickle (legacy format)."""

    def __init__(self, numel: int) -> None:
        self.numel = numel
        self.data: np.ndarray | None = None
        self.view_of: tuple[_Storage, int] | None = None  # (root, element offset)

    def array(self) -> np.ndarray:
        if self.view_of is not None:
            root, offset = self.view_of
            return root.array()[offset:offset + self.numel]
        if self.data is None:
            raise CheckpointError("a storage's data is missing from the file")
        return self.data


class _LazyTensor(_Refuse):
    """What ``_rebuild_tensor_v2`` returns: a strided view resolved once the data is read."""

    def __init__(self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def materialise(self) -> np.ndarray:
        flat = self.storage.array()
        if any(s < 0 for s in self.size) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise CheckpointError("negative tensor size, stride or offset")
        if 0 in self.size:
            return np.zeros(self.size, dtype=np.float32)
        if int(np.prod(self.size, dtype=object)) > MAX_STORAGE_ELEMENTS:
            raise CheckpointError("tensor too large")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if last >= flat.size:
            raise CheckpointError("a tensor reaches past the end of its storage")
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset:], shape=self.size, strides=tuple(s * item for s in self.stride),
            writeable=False)
        return np.array(view, dtype=np.float32, order="C")  # a copy: the storage may be dropped


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any = False, backward_hooks: Any = None,
                       metadata: Any = None) -> _LazyTensor:
    """Stand-in for ``torch._utils._rebuild_tensor_v2``: checks its arguments' types."""
    if not isinstance(storage, _Storage):
        raise CheckpointError("tensor without a storage")
    if not (isinstance(storage_offset, int) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(isinstance(v, int) for v in size + stride)):
        raise CheckpointError("malformed tensor description")
    return _LazyTensor(storage, storage_offset, size, stride)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a float32 state_dict; refuses every global it does not know.

    ``storage_source`` is ``None`` for the legacy format (storages are filled in after the
    pickle) or a callable ``key -> bytes`` for the zip format.
    """

    ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch", "FloatStorage"): _FloatStorageType,
    }

    def __init__(self, file: BinaryIO, storage_source: Any = None) -> None:
        super().__init__(file)
        self.storage_source = storage_source
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise CheckpointError(f"refusing to load {module}.{name} from a model file") from None

    def persistent_load(self, pid: Any) -> _Storage:
        # Legacy: ('storage', type, root_key, location, numel, view_metadata)
        # Zip:    ('storage', type, key, location, numel)
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise CheckpointError(f"unsupported persistent id {str(pid)[:80]}")
        storage_type, key, _location, numel = pid[1:5]
        if storage_type is not _FloatStorageType:
            raise CheckpointError("only float32 storages are supported")
        if not isinstance(key, str) or not isinstance(numel, int) or not 0 <= numel <= MAX_STORAGE_ELEMENTS:
            raise CheckpointError("malformed storage description")
        root = self.storages.get(key)
        if root is None:
            root = _Storage(numel)
            if self.storage_source is not None:
                raw = self.storage_source(key)
                if len(raw) != numel * 4:
                    raise CheckpointError(f"storage {key} holds {len(raw)} bytes, expected {numel * 4}")
                root.data = np.frombuffer(raw, dtype="<f4")
            self.storages[key] = root
        elif root.numel != numel:
            raise CheckpointError(f"storage {key} described with two sizes")
        view = pid[5] if len(pid) == 6 else None
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3 and isinstance(view[0], str)
                and isinstance(view[1], int) and isinstance(view[2], int)
                and 0 <= view[1] and view[1] + view[2] <= numel):
            raise CheckpointError("malformed storage view")
        view_key, offset, view_numel = view
        existing = self.storages.get(view_key)
        if existing is None:
            existing = _Storage(view_numel)
            existing.view_of = (root, offset)
            self.storages[view_key] = existing
        return existing


def _header_load(f: BinaryIO) -> Any:
    """One of the legacy format's small header pickles: no globals allowed at all."""
    unpickler = _RestrictedUnpickler(f)
    unpickler.ALLOWED = {}
    return unpickler.load()


def _load_legacy(f: BinaryIO) -> Any:
    if _header_load(f) != LEGACY_MAGIC:
        raise CheckpointError("not a torch checkpoint (bad magic number)")
    if _header_load(f) != LEGACY_PROTOCOL:
        raise CheckpointError("unsupported torch serialization protocol")
    sys_info = _header_load(f)
    if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
        raise CheckpointError("only little-endian checkpoints are supported")
    main = _RestrictedUnpickler(f)
    result = main.load()
    keys = _header_load(f)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise CheckpointError("malformed storage key list")
    for key in keys:  # each: int64 element count, then the raw little-endian float32 data
        storage = main.storages.get(key)
        if storage is None or storage.view_of is not None:
            raise CheckpointError(f"storage {key} listed but never used")
        head = f.read(8)
        if len(head) != 8:
            raise CheckpointError("file ends inside the storage data")
        numel = int.from_bytes(head, "little", signed=True)
        if numel != storage.numel:
            raise CheckpointError(f"storage {key}: {numel} elements on disk, {storage.numel} expected")
        raw = f.read(numel * 4)
        if len(raw) != numel * 4:
            raise CheckpointError("file ends inside the storage data")
        storage.data = np.frombuffer(raw, dtype="<f4")
    return result


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise CheckpointError("zip checkpoint without exactly one <archive>/data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        order = archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in names else "little"
        if order != "little":
            raise CheckpointError("only little-endian checkpoints are supported")

        def read_storage(key: str) -> bytes:
            name = f"{prefix}data/{key}"
            if name not in names:
                raise CheckpointError(f"storage {key} missing from the archive")
            return archive.read(name)

        return _RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), read_storage).load()


def load_torch_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The float32 ``state_dict`` in a torch checkpoint, as numpy arrays, without torch.

    Accepts a bare state_dict or a dict holding one under ``model_state`` / ``state_dict``
    (Resemblyzer's file is ``{"step", "model_state", "optimizer_state"}``: only
    ``model_state`` is materialised). Raises :class:`CheckpointError` for anything else.
    """
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            obj = _load_zip(path)
        else:
            with open(path, "rb") as f:
                obj = _load_legacy(f)
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, AttributeError,
            IndexError, OverflowError, RecursionError, MemoryError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"unreadable checkpoint: {type(exc).__name__}: {exc}") from None
    if isinstance(obj, dict):
        for key in ("model_state", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise CheckpointError("the checkpoint holds no state_dict")
    return {k: v.materialise() for k, v in obj.items() if isinstance(v, _LazyTensor)}
