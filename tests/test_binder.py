"""What Binder installs when a reader launches a chapter: binder/environment.yml (read as repo2docker reads it).

PyTorch must be the CPU build (PyPI's Linux torch wheel pulls the nvidia-* CUDA packages) at the version
constraints.txt pins; everything pip installs is pinned by constraints.txt; and the spec names no
package host (the CPU build is chosen by its conda-forge build string, not by an index address).
"""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SPEC = BINDER / "environment.yml"


def norm(name):
    return name.strip().lower().replace("_", "-")


def pins():
    """{package: version} of constraints.txt."""
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[norm(name)] = version.strip()
    return out


def spec():
    data = yaml.safe_load(SPEC.read_text())
    conda = [d for d in data["dependencies"] if isinstance(d, str)]
    pip = next((d["pip"] for d in data["dependencies"] if isinstance(d, dict) and "pip" in d), [])
    return data, conda, pip


def test_binder_has_one_spec():
    # repo2docker picks environment.yml over requirements.txt and ignores the latter: a second file
    # there would be a spec nobody installs.
    files = sorted(p.name for p in BINDER.iterdir())
    assert files == ["environment.yml"], f"binder/ must hold only environment.yml, holds {files}"


def test_pytorch_is_the_cpu_build_at_the_constraints_version():
    data, conda, pip = spec()
    assert "conda-forge" in data.get("channels", []), f"{SPEC}: channels must include conda-forge, got {data.get('channels')}"
    torch = [d for d in conda if re.match(r"(pytorch|torch)\b", d)]
    want = f"pytorch={pins()['torch']}=cpu_*"
    assert torch == [want], f"{SPEC}: PyTorch must be requested once, as {want!r}; found {torch}"
    cuda = [d for d in conda + pip if re.search(r"cuda|nvidia|pytorch-gpu", d, re.I)]
    assert not cuda, f"{SPEC} asks for CUDA packages: {cuda}"
    in_pip = [d for d in pip if re.match(r"(torch|pytorch)\b", norm(d))]
    assert not in_pip, f"{SPEC}: pip must not install torch (it would take PyPI's CUDA build): {in_pip}"


def test_pyproject_and_constraints_agree_on_torch():
    pyproject = (ROOT / "pyproject.toml").read_text()
    declared = re.findall(r'"torch==([^"]+)"', pyproject)
    assert declared == [pins()["torch"]], (f"pyproject.toml pins torch {declared}, constraints.txt "
                                           f"{pins()['torch']}: Binder follows constraints.txt")


def test_pip_installs_only_pinned_packages_and_the_course():
    _, conda, pip = spec()
    constraints = [d[len("-c"):].strip() for d in pip if d.startswith("-c")]
    # conda runs pip in the folder of the environment file: relative paths start from binder/
    assert constraints and all((BINDER / c).resolve() == ROOT / "constraints.txt" for c in constraints), (
        f"{SPEC}: pip must be constrained with -c ../constraints.txt, got {constraints}")
    names = [d for d in pip if not d.startswith("-")]
    local = [d for d in names if d.startswith(".")]
    assert [(BINDER / d).resolve() for d in local] == [ROOT], f"{SPEC}: pip must install the course package ('..'), got {local}"
    unpinned = [d for d in names if d not in local and norm(d) not in pins()]
    assert not unpinned, f"{SPEC}: pip installs packages constraints.txt does not pin: {unpinned}"
    python = [d for d in conda if d.startswith("python")]
    assert python == ["python=3.11"], f"{SPEC}: Python must be the 3.11 constraints.txt was made with, got {python}"


def test_spec_names_no_host():
    text = SPEC.read_text()
    hosts = re.findall(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org|com|io|net|dev)\b|://", text, re.I)
    assert not hosts, f"{SPEC} names hosts or URLs {hosts}: choose packages by name and build string"
