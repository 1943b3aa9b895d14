#!/usr/bin/env python3
"""Renders `hailog report` pages in headless Chromium: no console error, nothing fetched, and a
screenshot that is not blank. Installs Debian's chromium when it is missing (CI starts clean).

usage: browser_test.py HAILOG_BIN [OUT_DIR]
OUT_DIR keeps the reports and screenshots (a temporary directory otherwise).
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
]


def chromium():
    path = shutil.which("chromium")
    if path:
        return path
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    path = shutil.which("chromium")
    if not path:
        sys.exit("chromium is not installed and apt-get could not install it")
    return path


def render(browser, page, shot, profile, size="1280,1800"):
    """Returns the console lines Chromium logged while loading `page`."""
    out = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
         f"--screenshot={shot}", "file://" + os.path.abspath(page)],
        capture_output=True, text=True, timeout=120,
    )
    if not os.path.exists(shot):
        sys.exit(f"chromium wrote no screenshot of {page}: {out.stderr[-2000:]}")
    return [l for l in out.stderr.splitlines() if ":CONSOLE" in l]


def png_colours(path):
    """Distinct RGB colours of an 8-bit RGB or RGBA PNG (stdlib only)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"unsupported PNG depth {depth} type {ctype}"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        for x in range(0, stride, bpp):
            colours.add(bytes(line[x:x + 3]))
        prev = line
    return len(colours)


def claude_fixture(path):
    """A Claude Code session with several models, tools and two failed tool results."""
    lines = [{"type": "user", "sessionId": "browser-1", "timestamp": "2025-10-01T09:00:00Z", "uuid": "p0",
              "message": {"role": "user", "content": "speed up the importer"}}]
    models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"]
    tools = ["Bash", "Read", "Edit", "Grep"]
    for i in range(30):
        ts = f"2025-10-01T09:{i + 1:02d}:00Z"
        lines.append({"type": "assistant", "sessionId": "browser-1", "timestamp": ts, "requestId": f"req_{i}",
                      "uuid": f"a{i}", "message": {"id": f"msg_{i}", "model": models[i % 3], "content": [
                          {"type": "tool_use", "id": f"toolu_{i}", "name": tools[i % 4], "input": {}}],
                          "usage": {"input_tokens": 20 + i, "cache_creation_input_tokens": 500 * (i % 4),
                                    "cache_read_input_tokens": 20000 + 900 * i, "output_tokens": 100 + 37 * i}}})
        lines.append({"type": "user", "sessionId": "browser-1", "timestamp": ts.replace(":00Z", ":20Z"), "uuid": f"r{i}",
                      "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i}",
                                                               "is_error": i in (7, 19), "content": "out"}]}})
    with open(path, "w") as f:
        f.write("\n".join(json.dumps(l) for l in lines) + "\n")


def main():
    hailog = os.path.abspath(sys.argv[1])
    keep = len(sys.argv) > 2
    out = sys.argv[2] if keep else tempfile.mkdtemp(prefix="hailog-browser-")
    os.makedirs(out, exist_ok=True)
    browser = chromium()
    env = dict(os.environ, HAILOG_DB=os.path.join(out, "browser.db"))
    for f in os.listdir(out):
        if f.startswith("browser.db"):
            os.remove(os.path.join(out, f))
    log = os.path.join(out, "session.jsonl")
    claude_fixture(log)
    run = lambda *a: subprocess.run([hailog, *a], env=env, check=True, capture_output=True, text=True)
    run("import", log)
    run("note", "HEAD", "looked at by a person")
    failures = []

    # The detector must see a console error when there is one, or its silence proves nothing.
    control = os.path.join(out, "control.html")
    with open(control, "w") as f:
        f.write('<!doctype html><body><p>x</p><script>console.error("control-error-4411")</script></body>')
    seen = render(browser, control, os.path.join(out, "control.png"), os.path.join(out, "profile-control"), "400,300")
    if not any("control-error-4411" in l for l in seen):
        failures.append("the console detector missed a deliberate console.error")

    for name, extra in [("report", []), ("public", ["--public"])]:
        page = os.path.join(out, f"{name}.html")
        run("report", "HEAD", "-o", page, *extra)
        html = open(page, encoding="utf-8").read()
        for tag in ("<script", "<link", " src=", "url(http", "@import"):
            if tag in html:
                failures.append(f"{name}.html references something external or runs code: {tag!r}")
        shot = os.path.join(out, f"{name}.png")
        console = render(browser, page, shot, os.path.join(out, f"profile-{name}"))
        if console:
            failures.append(f"{name}.html logged to the console: {console}")
        colours = png_colours(shot)
        print(f"{name}: {os.path.getsize(page)} bytes of HTML, screenshot with {colours} colours")
        if colours < 50:
            failures.append(f"{name}.png looks blank ({colours} distinct colours)")
    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    if keep:
        print(f"browser test passed (reports and screenshots in {out})")
    else:
        shutil.rmtree(out, ignore_errors=True)
        print("browser test passed")


if __name__ == "__main__":
    main()
