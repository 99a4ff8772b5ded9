"""Check built distributions as an index would show them: ``python scripts/check_dists.py DIST_DIR``.

For each of the four packages, DIST_DIR must hold one sdist and one ``py3-none-any`` wheel.
Each must carry the repository's LICENSE (byte for byte), declare ``License-Expression:
Apache-2.0`` and no license classifier (PEP 639 forbids both at once), a Python version
and OS classifiers, keywords, and a long description of its own (its README, with no
relative link, which an index page cannot follow). Runtime dependencies are only those
used at run time. Exits 1 listing every problem; ``twine check --strict`` is run apart.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wt_loader", "wt_ffi", "wt_api", "wt_wasi")
# what each distribution may require at run time (name -> marker, or "" for none)
RUNTIME = {
    "wt_loader": {"requests": "", "platformdirs": "sys_platform != 'linux'"},
    "wt_ffi": {"wt-loader": ""},
    "wt_api": {"wt-ffi": ""},
    "wt_wasi": {"wt-api": ""},
}


def _metadata(text: str) -> Message:
    return Parser().parsestr(text)


def _check_metadata(name: str, meta: Message, where: str) -> list[str]:
    problems = []
    if meta.get("License-Expression") != "Apache-2.0":
        problems.append(f"{where}: License-Expression is {meta.get('License-Expression')!r}, not 'Apache-2.0'")
    classifiers = meta.get_all("Classifier") or []
    if any(c.startswith("License ::") for c in classifiers):
        problems.append(f"{where}: a License classifier beside License-Expression (PEP 639 forbids both)")
    for wanted in ("Programming Language :: Python :: 3.10", "Programming Language :: Python :: 3.13",
                   "Operating System :: POSIX :: Linux", "Typing :: Typed"):
        if wanted not in classifiers:
            problems.append(f"{where}: no classifier {wanted!r}")
    if not meta.get("Requires-Python") or not meta.get("Keywords"):
        problems.append(f"{where}: Requires-Python or Keywords missing")
    if "LICENSE" not in (meta.get_all("License-File") or []):
        problems.append(f"{where}: no License-File: LICENSE")
    body = meta.get_payload()
    assert isinstance(body, str)
    if meta.get("Description-Content-Type") != "text/markdown" or len(body) < 300:
        problems.append(f"{where}: the long description is not a README of its own")
    if re.search(r"\]\((?!https?://|#)[^)]*\)", body):
        problems.append(f"{where}: the long description has a relative link, which breaks on an index page")
    requires = {}
    for req in meta.get_all("Requires-Dist") or []:
        if "extra ==" in req:
            continue
        dist, _, marker = req.partition(";")
        requires[re.split(r"[<>=!~ \[]", dist.strip(), maxsplit=1)[0]] = marker.strip()
    if requires != RUNTIME[name]:
        problems.append(f"{where}: runtime dependencies {requires}, expected {RUNTIME[name]}")
    return problems


def check(dist: Path) -> list[str]:
    """Every problem found in ``dist``."""
    license_text = (ROOT / "LICENSE").read_bytes()
    problems = []
    for name in PACKAGES:
        wheels = sorted(dist.glob(f"{name}-*.whl"))
        sdists = sorted(dist.glob(f"{name}-*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            problems.append(f"{name}: expected one wheel and one sdist, found {[p.name for p in wheels + sdists]}")
            continue
        wheel, sdist = wheels[0], sdists[0]
        if not wheel.name.endswith("-py3-none-any.whl"):
            problems.append(f"{wheel.name} is not a pure-Python py3-none-any wheel")
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
            if f"{info}/licenses/LICENSE" not in names or zf.read(f"{info}/licenses/LICENSE") != license_text:
                problems.append(f"{wheel.name}: no {info}/licenses/LICENSE identical to the repository's")
            problems += _check_metadata(name, _metadata(zf.read(f"{info}/METADATA").decode()), wheel.name)
        with tarfile.open(sdist) as tf:
            root = sdist.name.removesuffix(".tar.gz")
            member = tf.extractfile(f"{root}/LICENSE") if f"{root}/LICENSE" in tf.getnames() else None
            if member is None or member.read() != license_text:
                problems.append(f"{sdist.name}: no LICENSE identical to the repository's")
            pkg_info = tf.extractfile(f"{root}/PKG-INFO")
            assert pkg_info is not None
            problems += _check_metadata(name, _metadata(pkg_info.read().decode()), sdist.name)
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    found = check(Path(sys.argv[1]))
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(PACKAGES) * 2} distributions checked: {len(found)} problem(s)")
    sys.exit(1 if found else 0)
