#!/usr/bin/python3
"""make_corpus - the fuzz targets' seed corpus, made from real requests.

Runs the services' own integration tests with HETAO_CAPTURE_FRAMES set (the
harness writes every request frame it sends), sorts the frames by the
service their method belongs to (system.* and undecodable frames go to the
envelope target), prefixes each with the caller byte 0 (the administrator,
who may call everything: see common/ht_fuzz.h), and keeps, with libFuzzer's
-merge=1, only the frames that reach code no other frame reaches.

    tests/fuzz/make_corpus.py --build build-san            # capture, then merge
    tests/fuzz/make_corpus.py --build build-san --capture DIR   # frames already captured

Replaces tests/fuzz/corpus/<target>/ with the merged seeds. Needs the
normal build (build/) and HETAO_TEST_PG for the capture, and the fuzz
targets in --build for the merge.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVICES = ("registry", "funding", "customs", "reporting")
TARGETS = ("envelope",) + SERVICES
# The tests whose requests make the seeds: each service's own, and the
# runtime's checks on hostile and repeated requests.
TESTS = ("test_organizations|test_projects|test_researchers|test_facilities|test_space$|"
         "test_funding$|test_funding_security|test_customs_cases|test_customs_goods|"
         "test_reporting|test_hostile_input|test_idempotency")


def capture(directory):
    env = dict(os.environ, HETAO_CAPTURE_FRAMES=directory)
    subprocess.run(["ctest", "-j2", "-R", TESTS], cwd=os.path.join(ROOT, "build"), env=env, check=True)


def sort_frames(capture_dir, out_dir):
    sys.path.insert(0, os.path.join(ROOT, "build", "gen", "python"))
    from hetao.v1 import envelope_pb2
    counts = dict.fromkeys(TARGETS, 0)
    # The C++ decoder complains on stderr of every hostile frame: not news here.
    quiet = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    os.dup2(quiet, 2)
    try:
        for name in sorted(os.listdir(capture_dir)):
            _sort_one(capture_dir, name, out_dir, counts, envelope_pb2)
    finally:
        os.dup2(saved, 2)
        os.close(quiet)
        os.close(saved)
    return counts


def _sort_one(capture_dir, name, out_dir, counts, envelope_pb2):
    with open(os.path.join(capture_dir, name), "rb") as f:
        frame = f.read()
    target = "envelope"
    try:
        prefix = envelope_pb2.Request.FromString(frame).method.split(".")[0]
        if prefix in SERVICES:
            target = prefix
    except Exception:
        pass                    # hostile frames seed the envelope target
    seed = b"\x00" + frame
    path = os.path.join(out_dir, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, hashlib.sha1(seed).hexdigest()), "wb") as f:
        f.write(seed)
    counts[target] += 1


def merge(build, raw_dir):
    for target in TARGETS:
        final = os.path.join(ROOT, "tests", "fuzz", "corpus", target)
        shutil.rmtree(final, ignore_errors=True)
        os.makedirs(final)
        raw = os.path.join(raw_dir, target)
        os.makedirs(raw, exist_ok=True)
        subprocess.run([os.path.join(build, "bin", "fuzz-" + target), "-merge=1", "-rss_limit_mb=0",
                        final, raw], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("%-10s %5d frames -> %4d seeds" % (target, len(os.listdir(raw)), len(os.listdir(final))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="the build with the fuzz targets (build-san)")
    parser.add_argument("--capture", help="frames captured already (skips running the tests)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hetao-corpus-") as work:
        frames = args.capture or os.path.join(work, "frames")
        if not args.capture:
            os.makedirs(frames)
            capture(frames)
        raw = os.path.join(work, "raw")
        sort_frames(frames, raw)
        merge(os.path.abspath(args.build), raw)


if __name__ == "__main__":
    main()
