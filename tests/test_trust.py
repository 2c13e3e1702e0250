"""The trust chain (issue 12): nothing in a data folder or cache runs code or changes a
number unseen. One test (or more) per hole: planted pickle, garbled cache, edited page,
edited input, symlink loop, symlink out of the folder, alias bomb, foreign ``.previous``,
unwritable output folder, kernel connection files."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from cdp_analysis import cli, data_files, indicator_table, safe_yaml, table_cache
from cdp_analysis.errors import CdpError
from cdp_analysis.report import kernel, manifest, output_folder, publish

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
AREA, QUARTER = "E06000044", "2025-26Q4"


def cli_run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


class _Boom:
    """Unpickling this creates the file ``path``: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _small_data(folder: Path) -> Path:
    for rel in ("indicators.yaml", "targets.yaml", "lookups/areas.csv",
                "demo/local_measures_E06000044_demo.csv"):  # fmt: skip
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / rel, folder / rel)
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(table_cache.ENV, str(folder))
    indicator_table._load_cached.cache_clear()
    yield folder
    indicator_table._load_cached.cache_clear()


# --- 1. no pickle anywhere ---------------------------------------------------------------


def test_no_module_loads_pickle_joblib_or_dill():
    for path in (ROOT / "cdp_analysis").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("import pickle", "import joblib", "import dill", "pickle.load"):
            assert word not in text, f"{path}: {word}"


def test_planted_pickles_run_nothing_and_change_nothing(tmp_path, cache):
    data = _small_data(tmp_path / "data")
    clean = indicator_table.build(data)
    proof = tmp_path / "code-ran"
    digest = indicator_table.digest(data)
    bomb = pickle.dumps(_Boom(proof))
    # every name an old or new cache might use, in the data folder and the cache folder
    (data / "cache").mkdir()
    for name in (f"indicator_table-{digest[:16]}.pkl", "table.pkl", "x.parquet"):
        (data / "cache" / name).write_bytes(bomb)
    cache.mkdir()
    for name in (f"{digest}.json", f"{digest}.table.parquet", f"{digest}.extra.parquet",
                 f"indicator_table-{digest[:16]}.pkl"):  # fmt: skip
        (cache / name).write_bytes(bomb)
    (data / "demo" / "planted.pkl").write_bytes(bomb)
    indicator_table._load_cached.cache_clear()
    table = indicator_table.load(data)
    assert not proof.exists()
    pd.testing.assert_frame_equal(table, clean, check_exact=True)
    # the planted description was replaced by a good one
    assert json.loads((cache / f"{digest}.json").read_text())["digest"] == digest


# --- 2. a garbled cache is rebuilt, never trusted ------------------------------------------


@pytest.mark.parametrize("how", ["flip", "truncate", "numbers", "json", "columns"])
def test_garbled_cache_is_rebuilt(tmp_path, cache, how):
    data = _small_data(tmp_path / "data")
    clean = indicator_table.load(data)  # writes the cache
    digest = indicator_table.digest(data)
    table_file = cache / f"{digest}.table.parquet"
    assert table_file.is_file()
    if how == "flip":
        raw = bytearray(table_file.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        table_file.write_bytes(bytes(raw))
    elif how == "truncate":
        table_file.write_bytes(table_file.read_bytes()[:100])
    elif how == "numbers":  # a well-formed Parquet file with other numbers
        edited = clean.copy()
        edited["value"] = edited["value"] * 100
        edited.to_parquet(table_file, index=False)
    elif how == "json":
        (cache / f"{digest}.json").write_text("{not json")
    else:
        clean.drop(columns=["value"]).to_parquet(table_file, index=False)
        meta = json.loads((cache / f"{digest}.json").read_text())
        meta["sha256"]["table"] = table_cache._sha256(table_file)
        (cache / f"{digest}.json").write_text(json.dumps(meta))
    assert table_cache.read(digest) is None  # refused (and deleted)
    assert not table_file.exists()
    indicator_table._load_cached.cache_clear()
    again = indicator_table.load(data)
    pd.testing.assert_frame_equal(again, clean, check_exact=True)
    assert again.attrs == clean.attrs
    assert table_cache.read(digest) is not None  # rebuilt and good again


def test_cache_reads_back_exactly_and_lives_outside_the_data_folder(tmp_path, cache):
    data = _small_data(tmp_path / "data")
    built = indicator_table.build(data)
    first = indicator_table.load(data)
    assert sorted(p.suffix for p in cache.iterdir()) == [".json", ".parquet", ".parquet"]
    assert not (data / "cache").exists()
    indicator_table._load_cached.cache_clear()
    second = indicator_table.load(data)  # from Parquet
    for t in (first, second):
        pd.testing.assert_frame_equal(t, built, check_exact=True)
        assert t.attrs == built.attrs


def test_cache_dir_default_is_the_user_cache_folder(monkeypatch):
    import platformdirs

    monkeypatch.delenv(table_cache.ENV, raising=False)
    assert table_cache.cache_dir() == (
        Path(platformdirs.user_cache_dir("cdp-analysis", appauthor=False)) / "indicator-table"
    )


def test_unwritable_cache_folder_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(table_cache.ENV, str(blocker / "cache"))
    assert table_cache.write("0" * 64, pd.DataFrame(), pd.DataFrame(), {}) is False


# --- 3. one rule for symbolic links --------------------------------------------------------

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="POSIX symlinks")


@needs_symlinks
def test_symlink_inside_the_folder_is_seen_by_every_part(tmp_path):
    data = _small_data(tmp_path / "data")
    (data / "archive").mkdir()
    shutil.move(data / "demo" / "local_measures_E06000044_demo.csv", data / "archive")
    (data / "demo" / "local").symlink_to(data / "archive")
    rel = "demo/local/local_measures_E06000044_demo.csv"
    assert rel in [p.relative_to(data).as_posix() for p in data_files.inputs(data)]
    assert [k for p, k in indicator_table.input_files(data) if p.name.startswith("local")] == [
        "local measures CSV",
        "local measures CSV",
    ]  # the real file and the one seen through the link: the same rows, once kept
    hashed = manifest.hash_inputs(data, data / "targets.yaml", [])["files"]
    assert rel in hashed and "archive/local_measures_E06000044_demo.csv" in hashed


@needs_symlinks
@pytest.mark.parametrize("kind", ["loop", "self", "outside", "dangling"])
def test_bad_symlink_is_one_line_from_validate_run_and_verify(tmp_path, kind):
    data = _small_data(tmp_path / "data")
    link = data / "demo" / "link"
    if kind == "loop":
        link.symlink_to(data / "demo")
        why = "the symbolic link loops (it points to a folder it is in)"
    elif kind == "self":
        link.symlink_to(link)
        why = "the symbolic link loops (it points back to itself)"
    elif kind == "outside":
        (tmp_path / "elsewhere.csv").write_text("a,b\n")
        link.symlink_to(tmp_path / "elsewhere.csv")
        why = f"the symbolic link points outside the data folder, to {tmp_path / 'elsewhere.csv'}"
    else:
        link.symlink_to(tmp_path / "nothing")
        why = f"the symbolic link points to {tmp_path / 'nothing'}, which does not exist"
    message = (
        f"{link}: {why}. Symbolic links in a data folder must point to a file or folder "
        "inside it: replace the link with a copy of the file, or remove it."
    )
    code, out, err = cli_run("validate", str(data), "--data", str(data))
    assert code == 1
    assert f"INVALID {link}\n    {message}\n" in out
    assert "Traceback" not in out + err
    t0 = time.perf_counter()
    code, out, err = cli_run("run", "--area", AREA, "--quarter", QUARTER, "--data", str(data),
                             "--targets", str(data / "targets.yaml"), "--notebooks",
                             str(FIXTURES), "--out", str(tmp_path / "out"))  # fmt: skip
    assert (code, out, err) == (2, "", f"cdp-analysis run: {message}\n")
    assert time.perf_counter() - t0 < 30  # refused in the pre-flight, no notebook ran
    # verify: a pack whose data folder has since gained the bad link
    pack = tmp_path / "pack"
    pack.mkdir()
    inputs = {
        "data_dir": str(data),
        "files": {},
        "targets_file": {
            "path": str(data / "targets.yaml"),
            "sha256": manifest.sha256(data / "targets.yaml"),
        },
    }
    manifest.write(pack, manifest.build(parameters={}, inputs=inputs, git={}, notebooks=[],
                                        status="ok", seconds=0.0))  # fmt: skip
    code, out, err = cli_run("verify", str(pack))
    assert (code, out, err) == (2, "", f"cdp-analysis verify: {message}\n")


# --- 4. bounded YAML ---------------------------------------------------------------------


def _bomb(levels: int = 10) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_a_target_note_is_refused_in_one_line_within_a_second(tmp_path):
    data = _small_data(tmp_path / "data")
    text = (data / "targets.yaml").read_text(encoding="utf-8")
    head = _bomb() + text
    first_note = head.index("note:") if "note:" in head else None
    if first_note is None:  # give the first target a note referring to the bomb
        head = head.replace("reason:", "note: *a9\n      reason:", 1)
    else:
        end = head.index("\n", first_note)
        head = head[:first_note] + "note: *a9" + head[end:]
    (data / "targets.yaml").write_text(head, encoding="utf-8")
    t0 = time.perf_counter()
    code, out, err = cli_run("validate", str(data / "targets.yaml"), "--data", str(data))
    assert time.perf_counter() - t0 < 1.0
    assert code == 1
    # refused at the anchor whose expansion passes the bound (a5: 10**6 values)
    assert (
        "      - row 6: the aliases (*name) expand to more than 200,000 values (an 'alias bomb')\n"
        "      Fix: write the values out instead of referring to anchors\n"
    ) in out
    assert len(out) < 1000 and "Traceback" not in out + err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: " + "[" * 60 + "]" * 60 + "\n", "nested more than 40 levels deep"),
        ("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(201)),
         "more than 200 aliases (*name); plan files need none"),
        ("measures: !!python/object/apply:os.system [echo hi]\n",
         "the tag '!!python/object/apply:os.system' is refused: tags such as !!python are "
         "not allowed in cdp-analysis YAML files"),
        ("measures: !custom x\n", "the tag '!custom' is refused: tags such as !!python"),
    ],
)  # fmt: skip
def test_hostile_yaml_is_refused(text, problem):
    with pytest.raises(safe_yaml.YamlRefused) as info:
        safe_yaml.load(text)
    assert problem in info.value.message


def test_forbidden_tag_message_in_the_catalogue(tmp_path):
    from cdp_analysis.plan.catalogue import load_indicators

    path = tmp_path / "indicators.yaml"
    path.write_text("measures: !!python/object/apply:os.system [touch hacked]\n")
    with pytest.raises(CdpError) as info:
        load_indicators(path)
    assert "tags such as !!python are not allowed" in str(info.value)
    assert "indentation" not in str(info.value)
    assert not Path("hacked").exists()


def test_oversized_yaml_is_refused_before_reading(tmp_path):
    from cdp_analysis.plan.catalogue import load_indicators

    path = tmp_path / "indicators.yaml"
    path.write_text("# " + "x" * safe_yaml.MAX_BYTES + "\n")
    with pytest.raises(CdpError, match="YAML files are read up to 2,000,000 bytes"):
        load_indicators(path)


def test_libyaml_loader_is_used_when_available():
    import yaml

    if getattr(yaml, "__with_libyaml__", False):
        assert safe_yaml.SafeLoader is yaml.CSafeLoader
    assert issubclass(safe_yaml.SafeLoader, yaml.SafeLoader) or safe_yaml.SafeLoader is getattr(
        yaml, "CSafeLoader", None
    )


def test_values_in_messages_are_capped():
    assert len(safe_yaml.brief("x" * 100_000)) < 80
    assert len(safe_yaml.brief(list(range(100_000)))) < 80


def test_bundled_plan_files_pass_the_bounds():
    for name in ("indicators.yaml", "targets.yaml"):
        safe_yaml.check((DATA / name).read_text(encoding="utf-8"))


# --- 5. output folder checked before work --------------------------------------------------


def test_output_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CdpError) as info:
        output_folder.check_output_folder(blocker / "out")
    assert str(info.value).startswith(f"{blocker / 'out'}: the output folder cannot be created")
    assert "\n" not in str(info.value)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_output_folder(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        with pytest.raises(CdpError, match="the output folder cannot be written"):
            output_folder.check_output_folder(out)
    finally:
        out.chmod(0o700)


def test_output_folder_without_free_space(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(1, 1, 10**6))
    with pytest.raises(CdpError) as info:
        output_folder.check_output_folder(tmp_path, 2)
    assert str(info.value) == (
        f"{tmp_path}: only 1 MB free on its disk; a run of 2 areas needs about 100 MB. "
        "Free some space or choose another --out folder; nothing was run."
    )


def test_unwritable_out_stops_the_run_before_any_notebook(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    t0 = time.perf_counter()
    code, out, err = cli_run("run", "--area", AREA, "--quarter", QUARTER, "--notebooks",
                             str(FIXTURES), "--out", str(blocker / "out"))  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith(f"cdp-analysis run: {blocker / 'out'}: the output folder cannot be")
    assert err.count("\n") == 1
    assert time.perf_counter() - t0 < 10


def test_full_disk_message():
    exc = OSError(errno.ENOSPC, "No space left on device", "/o/x/index.html")
    assert output_folder.write_failure(exc, Path("/o")) == (
        "/o/x/index.html: the disk is full (No space left on device). Free some space on the "
        "disk holding /o, or choose another --out folder, and run again; the previous pack "
        "is unchanged."
    )


# --- 6. only delete what the tool made -----------------------------------------------------


def _pack(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / publish.MARKER).write_text(publish.MARKER_TEXT)
    (folder / "index.html").write_text(text)
    (folder / "manifest.json").write_text(json.dumps({"status": "ok"}))
    return folder


def test_foreign_previous_folder_is_never_deleted(tmp_path):
    dest = tmp_path / QUARTER
    _pack(dest, "current")
    foreign = publish.previous_of(dest)
    foreign.mkdir()
    (foreign / "board-minutes.docx").write_text("mine")
    with pytest.raises(CdpError) as info:
        publish.publish(_pack(tmp_path / "build", "new"), dest)
    assert str(info.value) == (
        f"{foreign} was not made by cdp-analysis (it has no .cdp-analysis-pack file or "
        "cdp-analysis manifest), so it is not replaced or deleted. Move it away or choose "
        "another --out folder; nothing was changed."
    )
    assert (foreign / "board-minutes.docx").read_text() == "mine"
    assert (dest / "index.html").read_text() == "current"


def test_recover_leaves_a_foreign_build_folder_alone(tmp_path):
    dest = tmp_path / QUARTER
    foreign = publish.build_dir(dest, pid=999_999_999)
    foreign.mkdir(parents=True)
    (foreign / "keep.txt").write_text("mine")
    done = publish.recover(dest)
    assert done == [f"left {foreign.name} alone: cdp-analysis did not make it"]
    assert (foreign / "keep.txt").read_text() == "mine"


def test_build_folder_carries_the_marker(tmp_path):
    build = publish.make_build_dir(tmp_path / QUARTER)
    assert (build / publish.MARKER).read_text() == publish.MARKER_TEXT
    assert publish.is_ours(build)


# --- 7. kernel connection files ------------------------------------------------------------


def test_stale_kernel_folders_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / f"{kernel.PRIVATE_PREFIX}999999999-abc"
    live = tmp_path / f"{kernel.PRIVATE_PREFIX}{os.getpid()}-abc"
    for d in (dead, live):
        d.mkdir()
        (d / "kernel-1.json").write_text('{"key": "secret"}')
    assert kernel.remove_stale_dirs(tmp_path) == [dead]
    assert not dead.exists() and live.is_dir()


@pytest.mark.slow
def test_kernel_connection_file_is_private_and_removed(tmp_path):
    import asyncio

    async def go():
        k = kernel.WarmKernel(tmp_path)
        await k.start()
        await k.ready()
        conn = Path(k.km.connection_file)
        private = k.private_dir
        seen = (conn.is_file(), conn.parent == private, oct(private.stat().st_mode & 0o777))
        await k.shutdown()
        k.remove_private_dir()
        return seen, conn.exists(), private.exists()

    seen, conn_left, dir_left = asyncio.run(go())
    assert seen == (True, True, "0o700")
    assert (conn_left, dir_left) == (False, False)
