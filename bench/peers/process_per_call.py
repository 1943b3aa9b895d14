"""The process-per-call design's floor: each logged call starts a fresh interpreter that appends
one row to SQLite, the way a CLI-per-call logger (`cs log-ai ...`) works. Times K such calls.

    python process_per_call.py python|node K DB

Prints milliseconds per logged call.
"""

import json
import subprocess
import sys
import time

PY = (
    "import sqlite3,sys,json;d=sqlite3.connect(sys.argv[1]);"
    "d.execute('CREATE TABLE IF NOT EXISTS e(s TEXT,b TEXT)');"
    "d.execute('INSERT INTO e VALUES(?,?)',('bench',json.dumps({'model':'gpt-4o-mini',"
    "'input':900,'output':85})));d.commit()"
)
# Node has no SQLite driver built in before 22.5; a line appended to a file is its floor here.
JS = (
    "require('fs').appendFileSync(process.argv[1],JSON.stringify({session:'bench',"
    "model:'gpt-4o-mini',input:900,output:85})+'\\n')"
)


def main() -> None:
    which, k, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cmd = {"python": [sys.executable, "-c", PY, db], "node": ["node", "-e", JS, db + ".jsonl"]}
    start = time.perf_counter()
    for _ in range(k):
        subprocess.run(cmd[which], check=True)
    print(json.dumps({"value": (time.perf_counter() - start) / k * 1e3, "unit": "ms/call"}))


if __name__ == "__main__":
    main()
