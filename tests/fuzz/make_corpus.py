#!/usr/bin/env python3
"""Writes the committed seed corpora of tests/fuzz/corpus/<target>/ from docs/api-examples and the
cases of the unit tests (tests/unit/jobs/test_spec*.c, tests/unit/api/vectors.h). Each file is
named by the SHA-1 of its content, as libFuzzer names corpus files, so rerunning changes nothing
unless the sources did. The input layouts are described at the top of each tests/fuzz/fuzz_*.c.

    tests/fuzz/make_corpus.py          (from the repository root or anywhere)
"""
import hashlib
import json
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def enc(s):
    """ENC of API.md §2.1 (RFC 3986 unreserved kept)."""
    return urllib.parse.quote(s, safe="-_.~")


def write(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def fields(selector, *values):
    return bytes([selector]) + b"\0".join(v.encode() if isinstance(v, str) else v for v in values)


def example(name):
    with open(os.path.join(ROOT, "docs", "api-examples", name)) as f:
        return json.load(f)


SEG = example("segmentation-request.json")
HL = example("highlight-request.json")

# ---- fuzz_spec: byte 0 = parser (bits 0-2) | open policy (bit 3) | variant (bits 4-7) ----
OPEN = 8
seg_inputs = [
    SEG["InputConfig"],
    '{"Type":"Media","Media":"3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90"}',
    '{"Type":"OSS","Media":"file:///data/in/v.mp4"}',
    '{"Type":"OSS","Media":"https://cdn.example.com/v.mp4?sig=1"}',
    '{"Type":"OSS","Media":"http://media-in.oss-cn-shanghai.aliyuncs.com/a%20b/c.mp4?x=1#f"}',
]
seg_params = [
    SEG["JobParams"],
    '{"Mode":"BasicClipSplit"}',
    '{"Mode":"UserDefined","Ranges":[{"In":0,"Out":1},{"In":5,"Out":5.5}]}',
]
outputs = [
    SEG["OutputConfig"],
    HL["OutputConfig"],
    '{"Bucket":"media-out","ObjectKey":"o/{index}.mp4","Endpoint":"http://127.0.0.1:9000"}',
    '{"NeedExport":false}',
    '{"Bucket":"media-out","ObjectKey":"clip.webm","Height":720}',
]
userdatas = [
    SEG["UserData"],
    HL["UserData"],
    '{"NotifyAddress":"https://hooks.example.com/cb?x=1"}',
    '{"a":[1,2,{"b":null}]}',
]
for i, inp in enumerate(seg_inputs):
    write("fuzz_spec", fields(0 | OPEN, inp, seg_params[i % len(seg_params)],
                              outputs[i % len(outputs)], userdatas[i % len(userdatas)]))
write("fuzz_spec", fields(0, SEG["InputConfig"], SEG["JobParams"], SEG["OutputConfig"],
                          SEG["UserData"]))
hl_inputs = [
    HL["InputConfig"],
    '{"MediaArray":[{"MediaURL":"oss://media-in/a.mp4"}],"Strategy":{"Count":10,'
    '"ClipDuration":3.5,"EnableActionRecog":"true","CustomActions":["goal","dunk"]}}',
    '{"MediaArray":[{"MediaURL":"https://x.allowed.org/v.mp4"},{"MediaId":"abc"}]}',
]
for i, inp in enumerate(hl_inputs):
    write("fuzz_spec", fields(1 | OPEN, inp, outputs[(i + 1) % len(outputs)], userdatas[i]))
write("fuzz_spec", fields(1, HL["InputConfig"], HL["OutputConfig"], HL["UserData"]))
for variant in range(8):
    write("fuzz_spec", fields(2 | OPEN | variant << 4, outputs[variant % len(outputs)],
                              userdatas[variant % len(userdatas)]))
write("fuzz_spec", fields(2, "", '{"NotifyAddress":"mns-queue_1"}'))
for args in [("Created", "Segmentation", "CreationTime:Asc", "2", "20", "", ""),
             ("Finished", "HighlightExtraction", "CreationTime:Desc", "", "", "", "100"),
             ("", "", "", "", "", "eyJ2IjoxLCJ0IjoxLCJqIjoiMCIsImgiOiIwIn0", "5")]:
    write("fuzz_spec", fields(3, *args))
write("fuzz_spec", fields(4 | OPEN, "oss://media-in/lectures/week1.mp4", "Week 1",
                          "the first lecture", "a, b,,c", "ref-1", "true",
                          "e1d2c3b4a5f60718293a4b5c6d7e8f90", '{"x":1}',
                          "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90", "oss://media-in/a.mp4"))
write("fuzz_spec", fields(4, "", "", "", "", "", "", "", "", "", "oss://media-in/a.mp4"))
write("fuzz_spec", fields(5, HL["ClientToken"], HL["InputConfig"], HL["OutputConfig"],
                          HL["UserData"]))
write("fuzz_spec", fields(5, "tok\x7f", SEG["InputConfig"], SEG["JobParams"]))

# ---- fuzz_location: byte 0 = open policy (bit 0) | allow_absolute (bit 1) | index (bits 2-7) --
urls = [
    "oss://media-in/a/b.mp4", "oss://media-in/in%20put.mp4",
    "http://media-in.oss-cn-shanghai.aliyuncs.com/a%20b/c.mp4?x=1#f",
    "https://Media-In.oss-cn-hangzhou-internal.aliyuncs.com/k.mp4",
    "https://cdn.example.com/v.mp4?sig=1", "HTTPS://CDN.example.com:8443/v.mp4",
    "http://x.allowed.org/v.mp4", "http://[::1]:8080/v.mp4", "file:///data/in/v.mp4",
    "file:///data/in/my%20v.mp4", "file:///srv/x/y.mkv", "file:///data/../etc/passwd",
    "file:///data/%2e%2e/etc/passwd", "file:///data/a%00.mp4", "file://host/data/x.mp4",
    "vod://abc", "oss://Bad_Bucket/x.mp4", "oss://media-in/a/../b.mp4",
    "https://cdn.example.com@evil.com/v.mp4", "oss://media-in/a\tb.mp4", "oss://nobucket/x.mp4",
]
keys = ["out/{index}.mp4", "highlights/{index}.mp4", "lectures/week1/part_{index}.mp4",
        "clip.MOV", "a/b", "x.webm", "/abs/{index}.mkv", "a/./b.mp4", "a\\b.mp4", "{index}{index}",
        "dir.v2/name"]
for i, url in enumerate(urls):
    write("fuzz_location", fields(1 | (i % 2) << 1 | (i % 64) << 2, url, keys[i % len(keys)]))
write("fuzz_location", fields(0, "oss://media-in/a.mp4", "o/{index}.mp4"))

# ---- fuzz_request: byte 0 = 0 raw, 1 sign ACS3, 2 sign RPC (>= 0xf0: the disabled key) ----
JOB = "0123456789abcdef0123456789abcdef"
MEDIA = "3f9a1c0e5b7d4c2a8e6f0b1d3c5a7e90"
calls = {
    "SubmitSegmentationJob": SEG,
    "SubmitHighlightExtractionJob": HL,
    "GetSmartHandleJob": {"JobId": JOB},
    "ListSmartJobs": {"JobState": "Finished", "JobType": "Segmentation",
                      "SortBy": "CreationTime:Asc", "PageSize": "2"},
    "RegisterMediaInfo": {"InputURL": "oss://media-in/lectures/week2.mp4", "Title": "Week 2",
                          "MediaTags": "lecture,cs", "ReferenceId": "week-2", "Overwrite": "true",
                          "UserData": '{"k":1}', "ClientToken": "reg-1"},
    "GetMediaInfo": {"MediaId": MEDIA},
}


def form(params):
    return "&".join(enc(k) + "=" + enc(v) for k, v in params.items())


def request(mode, method, target, headers, body=""):
    head = "".join("%s: %s\r\n" % h for h in headers)
    return bytes([mode]) + ("%s %s HTTP/1.1\r\n%s\r\n%s" % (method, target, head, body)).encode()


FORM = ("content-type", "application/x-www-form-urlencoded")
for action, params in calls.items():
    base = [("host", "127.0.0.1:8080"), ("x-acs-action", action),
            ("x-acs-version", "2020-11-09"), ("accept", "application/json")]
    # ACS3, parameters in the form body (as the official client sends them)
    write("fuzz_request", request(1, "POST", "/", base + [FORM], form(params)))
    # RPC, everything in the query; and the business parameters in a form body
    rpc = {"Action": action, "Version": "2020-11-09", "Format": "json"}
    write("fuzz_request", request(2, "GET", "/?" + form({**rpc, **params}),
                                  [("host", "127.0.0.1:8080")]))
    write("fuzz_request", request(2, "POST", "/?" + form(rpc), [("host", "127.0.0.1:8080"), FORM],
                                  form(params)))
write("fuzz_request", request(0xf1, "POST", "/?JobId=" + JOB,
                              [("host", "h"), ("x-acs-action", "GetSmartHandleJob"),
                               ("x-acs-version", "2020-11-09")]))
write("fuzz_request", request(0, "GET", "/healthz", [("host", "h")]))
write("fuzz_request", request(0, "GET", "/metrics", [("host", "h")]))


def vectors():
    """The four wire captures of tests/unit/api/vectors.h, bodies de-chunked (as http.c hands
    them over)."""
    text = open(os.path.join(ROOT, "tests", "unit", "api", "vectors.h")).read()
    out = []
    for name in "ABCD":
        start = text.index("VECTOR_%s_WIRE[] = " % name)
        end = text.index('";\n', start)
        lines = text[start:end + 1].split("\n")
        wire = "".join(json.loads(l.strip().split("= ", 1)[-1]) for l in lines if '"' in l)
        head, _, body = wire.partition("\r\n\r\n")
        if "Transfer-Encoding: chunked" in head:
            head = head.replace("Transfer-Encoding: chunked", "Content-Length: 0")
            size, _, rest = body.partition("\r\n")
            body = rest[:int(size, 16)]
        out.append(head + "\r\n\r\n" + body)
    return out


for wire in vectors():
    write("fuzz_request", b"\0" + wire.encode())
