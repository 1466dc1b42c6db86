#!/usr/bin/env python3
"""Hostile requests against a running `reelcut serve`, N of each kind, on loopback only.

    hostile.py PORT PID DATA_DIR [N] [WARMUP]

For each kind: WARMUP requests, then the server's resident set (VmRSS of PID) is read, then N
requests, then VmRSS again. Prints one line per kind: requests, answers by status, wrong answers
(no answer, or not the IMS JSON shape where one is due), seconds, RSS before/after and the growth.
The warm-up is the baseline each kind's growth is measured against, in the same run. Exits 1 when
any request was answered wrongly or any kind grew by 1 MiB or more.
"""
import hashlib
import hmac
import json
import os
import random
import socket
import sys
import time
import urllib.parse
from datetime import datetime, timezone

PORT, PID, DATA = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
N = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
WARMUP = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
HOST = f"127.0.0.1:{PORT}"
with open(os.path.join(DATA, "keys.json")) as f:
    KEYS = json.load(f)
KEY = KEYS[0] if isinstance(KEYS, list) else KEYS.get("Keys", KEYS.get("keys"))[0]
KEY_ID, SECRET = KEY["AccessKeyId"], KEY["AccessKeySecret"]
rng = random.Random(11)


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def enc(s):
    return urllib.parse.quote(s, safe="-_.~")


def acs3(action, query=None, body="", date=None, nonce=None):
    """An ACS3-HMAC-SHA256 request as the SDK signs it (API.md §2.2); returns raw bytes."""
    query = query or {}
    q = sorted((enc(k), enc(v)) for k, v in query.items())
    canon_query = "&".join(f"{k}={v}" for k, v in q)
    headers = {
        "host": HOST,
        "x-acs-action": action,
        "x-acs-version": "2020-11-09",
        "x-acs-date": date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or "%032x" % rng.getrandbits(128),
        "x-acs-content-sha256": hashlib.sha256(body.encode()).hexdigest(),
    }
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    names = sorted(headers)
    canon = "\n".join(["POST", "/", canon_query, "".join(f"{n}:{headers[n]}\n" for n in names),
                       ";".join(names), headers["x-acs-content-sha256"]])
    sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canon.encode()).hexdigest()
    sig = hmac.new(SECRET.encode(), sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={KEY_ID},"
                                f"SignedHeaders={';'.join(names)},Signature={sig}")
    path = "/" + ("?" + canon_query if canon_query else "")
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + f"Content-Length: {len(body.encode())}\r\n\r\n").encode() + body.encode()


class Conn:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self):
        self.s = None
        self.buf = b""

    def exchange(self, data):
        for attempt in range(2):
            try:
                if self.s is None:
                    self.s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
                    self.buf = b""
                self.s.sendall(data)
                return self._read()
            except (ConnectionError, OSError):
                self.close()
                if attempt:
                    return None, None
        return None, None

    def _read(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        close = False
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
            if k.strip().lower() == "connection" and "close" in v.lower():
                close = True
        while len(rest) < length:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            rest += d
        body, self.buf = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body

    def close(self):
        if self.s:
            self.s.close()
        self.s = None


def ims_error(body, code=None):
    try:
        j = json.loads(body)
    except ValueError:
        return False
    return all(k in j for k in ("RequestId", "Code", "Message")) and (code is None or j["Code"] == code)


MANY = "&".join(f"a{i}={i}" for i in range(4500)).encode()
BIG = b"a" * (100 * 1024)
LINES = b"".join(b"h%d: v\r\n" % i for i in range(3000))


def k_many_params(c):
    st, body = c.exchange(b"GET /?" + MANY + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    return st, st == 400 and ims_error(body, "InvalidParameter")


def k_big_header(c):
    st, body = c.exchange(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + BIG + b"\r\n\r\n")
    return st, st == 413 and ims_error(body, "RequestTooLarge")


def k_many_headers(c):
    st, body = c.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n" + LINES + b"\r\n")
    return st, st == 413 and ims_error(body, "RequestTooLarge")


def k_nul_nonce(c):
    n = rng.getrandbits(32)
    st, body = c.exchange(f"GET /?Action=GetSmartHandleJob&SignatureNonce=n%00{n}&JobId=x "
                          f"HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return st, st == 400 and ims_error(body, "InvalidParameter")


def k_replay_at_skew_edge(c):
    now = int(time.time())
    date = datetime.fromtimestamp(now - 900, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    req = acs3("GetSmartHandleJob", {"JobId": "x"}, date=date)
    st1, b1 = c.exchange(req)
    st2, b2 = c.exchange(req)
    if int(time.time()) != now:  # the second ended between the two: only "not accepted twice"
        return st2, not (st1 == 404 and st2 == 404)
    return st2, st1 == 404 and st2 == 400 and ims_error(b2, "SignatureNonceUsed")


def k_junk_action(c):
    st, body = c.exchange(acs3("Junk%d\"} 1" % rng.getrandbits(30)))
    return st, st == 404 and ims_error(body, "InvalidApi.NotFound")


def k_bad_json(c):
    body = "InputConfig=" + enc('{"Type":"OSS","Media":' + "[" * 5000)
    st, b = c.exchange(acs3("SubmitSegmentationJob", body=body))
    return st, st == 400 and ims_error(b)


def k_tiny_range(c):
    params = {"InputConfig": '{"Type":"OSS","Media":"oss://media-in/a.mp4"}',
              "OutputConfig": '{"Bucket":"media-out","ObjectKey":"o/{index}.mp4"}',
              "JobParams": '{"Mode":"UserDefined","Ranges":[{"In":5e-324,"Out":1e-300}]}'}
    body = "&".join(f"{enc(k)}={enc(v)}" for k, v in params.items())
    st, b = c.exchange(acs3("SubmitSegmentationJob", body=body))
    return st, st == 400 and ims_error(b, "InvalidParameter.OutOfRange")


SSRF_FORMS = ["http://127.0.0.1/cb", "http://2130706433/cb", "http://0177.0.0.1/cb",
              "http://0x7f000001/cb", "http://127.1/cb", "http://[::1]/cb", "http://0.0.0.0/cb",
              "http://[::ffff:127.0.0.1]/cb", "http://localhost/cb", "http://169.254.169.254/cb",
              "http://100.100.100.200/cb", "http://10.1.2.3/cb", "http://192.168.0.1/cb"]


def submit(params):
    body = "&".join(f"{enc(k)}={enc(v)}" for k, v in params.items())
    return acs3("SubmitSegmentationJob", body=body)


def k_ssrf_notify(c):
    url = SSRF_FORMS[rng.randrange(len(SSRF_FORMS))]
    st, b = c.exchange(submit({
        "InputConfig": '{"Type":"OSS","Media":"oss://media-in/a.mp4"}',
        "OutputConfig": '{"Bucket":"media-out","ObjectKey":"o/{index}.mp4"}',
        "UserData": json.dumps({"NotifyAddress": url})}))
    return st, st == 400 and ims_error(b) and "NotifyAddress" in json.loads(b)["Message"]


def k_output_over_input(c):
    n = rng.randrange(1, 1000)
    st, b = c.exchange(submit({
        "InputConfig": '{"Type":"OSS","Media":"oss://media-in/x_%d.mp4"}' % n,
        "OutputConfig": '{"Bucket":"media-in","ObjectKey":"x.mp4"}'}))
    return st, st == 400 and ims_error(b) and "OutputConfig.ObjectKey" in json.loads(b)["Message"]


def k_garbage(c):
    junk = bytes(rng.getrandbits(8) for _ in range(200)).replace(b"\r\n\r\n", b"")
    st, body = c.exchange(b"GET /" + junk + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    # anything answered is fine here (400 from libmicrohttpd or us); no answer is wrong
    return st, st is not None and 400 <= st < 500


KINDS = [k_many_params, k_big_header, k_many_headers, k_nul_nonce, k_replay_at_skew_edge,
         k_junk_action, k_bad_json, k_tiny_range, k_ssrf_notify, k_output_over_input, k_garbage]


def main():
    bad_total, grew_total = 0, 0
    print(f"{'kind':24} {'requests':>8} {'wrong':>5} {'secs':>6} {'rss0 KiB':>9} {'rss1 KiB':>9}"
          f" {'growth':>8}  statuses")
    for kind in KINDS:
        c = Conn()
        for _ in range(WARMUP):
            kind(c)
        rss0 = rss_kib()
        wrong, statuses = 0, {}
        t0 = time.time()
        for _ in range(N):
            st, ok = kind(c)
            statuses[st] = statuses.get(st, 0) + 1
            wrong += 0 if ok else 1
        secs = time.time() - t0
        c.close()
        time.sleep(0.2)
        rss1 = rss_kib()
        growth = rss1 - rss0
        bad_total += wrong
        grew_total += growth >= 1024
        print(f"{kind.__name__[2:]:24} {N:8} {wrong:5} {secs:6.1f} {rss0:9} {rss1:9} {growth:+8}  "
              + " ".join(f"{k}:{v}" for k, v in sorted(statuses.items(), key=str)), flush=True)
    verdict = "PASS" if bad_total == 0 and grew_total == 0 else "FAIL"
    print(f"target: every request answered rightly, RSS growth < 1024 KiB per {N} of each kind: "
          f"{verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
