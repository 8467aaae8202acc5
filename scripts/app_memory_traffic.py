#!/usr/bin/env python3
"""The server side of `scripts/app-memory` (issue 15): people, chats and messages for the
app's user, then messages arriving into those chats while the app runs.

  app_memory_traffic.py seed BASE_URL OUT.json FOLDER  # OUT.json: the session etc.; FOLDER: photos
  app_memory_traffic.py traffic BASE_URL SEED.json SECONDS INTERVAL
"""
import base64
import json
import random
import subprocess
import sys
import time
import urllib.request
import uuid

PASSWORD = "correct horse battery"
PARTNERS = 24
GROUPS = 4
PHOTOS = 6  # camera-sized photos sent into the first two chats
HISTORY = 120  # messages in each of the first chats, so scrolling has something to load
TEXTS = [
    "See you at six then 🙂",
    "Did you get the file?",
    "Ха-ха, точно! 😂",
    "The meeting moved to Thursday — is that fine for you?",
    "🏔️🥾 back from the hike, photos later",
    "ok",
    "Let me check and come back to you in a minute or two, the train is late again.",
    "Доброго ранку! Як справи? ☕",
    "👍",
    "Nice!! 🎉🎉",
]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def person(base, name):
    call(base, "POST", "/auth/register", {"username": name, "password": PASSWORD})
    return call(base, "POST", "/auth/login",
                {"username": name, "password": PASSWORD, "device_name": "app-memory"})


def send(base, token, chat, text, files=()):
    call(base, "POST", f"/chats/{chat}/messages",
         {"text": text, "request_id": str(uuid.uuid4()), "attachments": list(files)}, token)


def upload(base, token, path):
    """A file through tus (one PATCH), once the server made it a file: its id."""
    data = open(path, "rb").read()
    name = base64.b64encode(path.rsplit("/", 1)[-1].encode()).decode()
    kind = base64.b64encode(b"image/jpeg").decode()
    req = urllib.request.Request(base + "/api/v1/uploads", method="POST", data=b"")
    for k, v in {"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
                 "Upload-Metadata": f"filename {name},filetype {kind}",
                 "authorization": "Bearer " + token}.items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as resp:
        location = resp.headers["Location"]
    url = location if location.startswith("http") else base + location
    req = urllib.request.Request(url, method="PATCH", data=data)
    for k, v in {"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                 "content-type": "application/offset+octet-stream",
                 "authorization": "Bearer " + token}.items():
        req.add_header(k, v)
    urllib.request.urlopen(req, timeout=60).read()
    for _ in range(300):
        status = call(base, "GET", location.replace("/api/v1", "", 1), None, token)
        if status["state"] == "ready":
            return status["file"]["id"]
        time.sleep(0.1)
    raise RuntimeError(f"upload {path} never became ready: {status}")


def photos(folder, count):
    """`count` camera-sized photos (3000 x 2000 JPEG), made with ImageMagick."""
    paths = []
    for i in range(count):
        path = f"{folder}/photo{i}.jpg"
        subprocess.run(["convert", "-size", "3000x2000", f"plasma:fractal", "-seed", str(i),
                        path], check=True)
        paths.append(path)
    return paths


def seed(base, out, folder):
    tag = uuid.uuid4().hex[:6]
    me = person(base, f"me{tag}")
    partners = [person(base, f"p{i:02d}{tag}") for i in range(PARTNERS)]
    chats = []
    for i, p in enumerate(partners):
        chat = call(base, "POST", "/chats", {"partner_id": p["user"]["id"]}, me["token"])
        send(base, me["token"], chat["id"], f"Hello {i}!")
        call(base, "POST", f"/chats/{chat['id']}/request/accept", None, p["token"])
        count = HISTORY if i < 6 else 8
        for n in range(count):
            who = p if n % 3 else me
            send(base, who["token"], chat["id"], f"{n}: {random.choice(TEXTS)}")
        chats.append({"id": chat["id"], "token": p["token"]})
    for g in range(GROUPS):
        members = partners[g * 5:(g + 1) * 5]
        group = call(base, "POST", "/chats",
                     {"title": f"Group {g} 🏔️", "member_ids": [m["user"]["id"] for m in members]},
                     me["token"])
        for m in members:
            for inv in call(base, "GET", "/invites", None, m["token"])["invites"]:
                call(base, "POST", f"/invites/{inv['id']}/accept", None, m["token"])
        for n in range(40):
            send(base, members[n % len(members)]["token"], group["id"], f"{n}: {random.choice(TEXTS)}")
        chats.append({"id": group["id"], "token": members[0]["token"]})
    # the first two chats end with photos, which the scripted use opens full size
    shots = []
    for i, path in enumerate(photos(folder, PHOTOS)):
        p = partners[i % 2]
        chat = chats[i % 2]["id"]
        file = upload(base, p["token"], path)
        send(base, p["token"], chat, f"photo {i} 🏔️", [file])
        shots.append({"chat": chat, "token": p["token"], "file": file})
    session = {
        "server_url": base,
        "user_id": me["user"]["id"],
        "username": me["user"]["username"],
        "session_id": me["session_id"],
        "refresh_token": me["refresh_token"],
    }
    with open(out, "w") as f:
        json.dump({"session": session, "chats": chats, "photos": shots}, f)


def traffic(base, seed_file, seconds, interval):
    with open(seed_file) as f:
        seeded = json.load(f)
    chats, shots = seeded["chats"], seeded["photos"]
    photo_chats = {shot["chat"] for shot in shots}
    end = time.time() + seconds
    sent = 0
    while time.time() < end:
        chat = random.choice(chats)
        try:
            if chat["id"] in photo_chats:
                # the two photo chats get photos only (the sender shares their upload again)
                shot = random.choice([s for s in shots if s["chat"] == chat["id"]])
                send(base, shot["token"], shot["chat"], f"live {sent}: photo", [shot["file"]])
            else:
                send(base, chat["token"], chat["id"], f"live {sent}: {random.choice(TEXTS)}")
            sent += 1
        except Exception as e:  # a refused send (rate limit) is not the measurement's business
            print(f"traffic: {e}", file=sys.stderr)
        time.sleep(interval)
    print(f"traffic: {sent} messages sent into the app's chats", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        traffic(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
