#!/usr/bin/env python3
"""Writes a Claude Code projects tree of about SIZE_MB for import benchmarks.

The layout and line shapes follow what Claude Code writes under ~/.claude/projects:
<project>/<session>.jsonl plus <project>/<session>/subagents/agent-<id>.jsonl, one JSON object
per line. Lines are content-heavy (tool results carrying file contents, long assistant text),
and each assistant message is written once per content block with the same message id,
request id and usage, as Claude Code does. Some sessions are resumed: their first messages are
copied into a new session file, so the same message ids appear in two files.

usage: gen_claude_code.py OUT_DIR SIZE_MB [SEED]
"""

import json
import os
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

MODELS = [
    ("claude-sonnet-4-5-20250929", 60),
    ("claude-opus-4-1-20250805", 10),
    ("claude-haiku-4-5-20251001", 20),
    ("claude-sonnet-4-20250514", 10),
]
TOOLS = ["Bash", "Read", "Edit", "Grep", "Glob", "Write", "TodoWrite", "Task"]
WORDS = (
    "the parser keeps every token bucket apart so a cache read is never billed as input and "
    "the ledger stays exact across retries replays and processes while the writer commits in "
    "batches function return struct impl match error value line file test build"
).split()


def text(rng, n_words):
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def code_blob(rng, n_lines):
    return "\n".join(
        f"{i:>5}\t    let {rng.choice(WORDS)}_{i} = {rng.choice(WORDS)}(\"{rng.choice(WORDS)}\");"
        for i in range(n_lines)
    )


def pick_model(rng):
    r = rng.randrange(100)
    for name, weight in MODELS:
        if r < weight:
            return name
        r -= weight
    return MODELS[0][0]


class Session:
    def __init__(self, rng, project_dir, start):
        self.rng = rng
        self.id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.dir = project_dir
        self.t = start
        self.parent = None
        self.lines = []

    def base(self, kind, sidechain=False, agent=None):
        self.t += timedelta(seconds=self.rng.randint(1, 40))
        u = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        line = {
            "parentUuid": self.parent,
            "isSidechain": sidechain,
            "userType": "external",
            "cwd": "/home/dev/work/app",
            "sessionId": self.id,
            "version": "2.0.14",
            "gitBranch": "main",
            "type": kind,
            "uuid": u,
            "timestamp": self.t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.t.microsecond // 1000:03d}Z",
        }
        if agent:
            line["agentId"] = agent
        self.parent = u
        return line

    def prompt(self, out, **kw):
        line = self.base("user", **kw)
        line["message"] = {"role": "user", "content": text(self.rng, self.rng.randint(10, 80))}
        out.append(line)

    def turn(self, out, **kw):
        """One assistant message (text + tool use, one line per block) and its tool result."""
        rng = self.rng
        msg_id = "msg_01" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(22))
        req_id = "req_011C" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(20))
        model = pick_model(rng)
        cache_create = rng.choice([0, 0, rng.randint(200, 30000)])
        usage = {
            "input_tokens": rng.randint(1, 900),
            "cache_creation_input_tokens": cache_create,
            "cache_read_input_tokens": rng.randint(5000, 150000),
            "cache_creation": {"ephemeral_5m_input_tokens": cache_create, "ephemeral_1h_input_tokens": 0},
            "output_tokens": rng.randint(1, 4000),
            "service_tier": "standard",
        }
        tool = rng.choice(TOOLS)
        tool_id = "toolu_01" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(22))
        blocks = [
            {"type": "text", "text": text(rng, rng.randint(20, 400))},
            {"type": "tool_use", "id": tool_id, "name": tool, "input": {"command": text(rng, 12), "description": text(rng, 6)}},
        ]
        if rng.random() < 0.3:
            blocks.insert(0, {"type": "thinking", "thinking": text(rng, rng.randint(50, 600)), "signature": "Eu8B" + "x" * 300})
        for block in blocks:
            line = self.base("assistant", **kw)
            line["requestId"] = req_id
            line["message"] = {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [block],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            }
            out.append(line)
        result = self.base("user", **kw)
        is_error = rng.random() < 0.04
        result["message"] = {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_id, "is_error": is_error,
                         "content": code_blob(rng, rng.randint(10, 260))}],
        }
        result["toolUseResult"] = {"stdout": code_blob(rng, rng.randint(0, 60)), "stderr": "", "interrupted": False}
        out.append(result)


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")))
            f.write("\n")
    return os.path.getsize(path)


def main():
    out_dir, size_mb = sys.argv[1], float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    target = int(size_mb * 1_000_000)
    written = 0
    start = datetime(2025, 10, 1, 8, 0, tzinfo=timezone.utc)
    n = 0
    previous = None
    while written < target:
        project = os.path.join(out_dir, "projects", f"-home-dev-work-app{n % 7}")
        s = Session(rng, project, start + timedelta(hours=rng.randint(0, 24 * 30), seconds=rng.randint(0, 3599)))
        lines = []
        if previous is not None and rng.random() < 0.15:
            # A resumed session starts with a copy of the earlier one's first lines.
            lines.extend(dict(l, sessionId=s.id) for l in previous[:20])
        for _ in range(rng.randint(3, 12)):
            s.prompt(lines)
            for _ in range(rng.randint(2, 10)):
                s.turn(lines)
        written += write(os.path.join(project, f"{s.id}.jsonl"), lines)
        if rng.random() < 0.3:
            agent = "a" + "".join(rng.choice("0123456789abcdef") for _ in range(7))
            sub = []
            s.prompt(sub, sidechain=True, agent=agent)
            for _ in range(rng.randint(2, 8)):
                s.turn(sub, sidechain=True, agent=agent)
            written += write(os.path.join(project, s.id, "subagents", f"agent-{agent}.jsonl"), sub)
        previous = lines
        n += 1
    print(f"{written / 1e6:.1f} MB in {n} sessions under {out_dir}/projects")


if __name__ == "__main__":
    main()
