import os

from flask import Flask, jsonify

app = Flask(__name__)
NOTES: list[dict[str, str]] = []


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/notes")
def notes():
    return jsonify(NOTES)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5050)))
