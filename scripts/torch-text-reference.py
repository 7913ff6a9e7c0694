"""PyTorch references for the text examples: the same network, the same split and the same tokenization as
dlmodel, so the accuracy figures in examples/README.md can be compared.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 \
        scripts/torch-text-reference.py spam|word-language|numbers-to-digits [--seed N]

The split is dlmodel's (mulberry32 shuffle seeded with seed ^ 0x5eed, the last round(n * 0.2) rows held
out), the vocabulary is fitted on the training rows only (most frequent first, ties by code point), texts
are padded with 0 at the end and cut at maxLength, 1 is the unknown token. Initializers follow dlmodel's:
embeddings uniform(-0.05, 0.05), kernels Glorot uniform, recurrent kernels orthogonal, biases zero; the
LSTM gates use the logistic sigmoid (dlmodel sets recurrentActivation "sigmoid", as PyTorch does).
"""
import csv
import math
import sys
import unicodedata
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent / "examples"
MISSING = {"", "NA", "NaN", "."}


def mulberry32(seed):
    a = seed & 0xFFFFFFFF

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def split_indices(n, validation_split, seed):
    idx = list(range(n))
    rand = mulberry32((seed ^ 0x5EED) & 0xFFFFFFFF)
    for i in range(n - 1, 0, -1):
        j = math.floor(rand() * (i + 1))
        idx[i], idx[j] = idx[j], idx[i]
    n_val = min(n - 1, max(0, math.floor(n * validation_split + 0.5)))
    return idx[: n - n_val], idx[n - n_val :]


def is_word_char(c):
    return unicodedata.category(c)[0] in "LMN" or c in "'\u2019"


def tokenize(text, mode, lowercase=True):
    if lowercase:
        text = text.lower()
    if mode == "characters":
        return list(text)
    out, word = [], ""
    for c in text:
        if is_word_char(c):
            word += c
            continue
        if word:
            out.append(word)
            word = ""
        if not c.isspace():
            out.append(c)
    if word:
        out.append(word)
    return out


class Vocab:
    def __init__(self, texts, mode, size=None, max_length=None, longest=False):
        self.mode = mode
        counts, lengths = {}, []
        for t in texts:
            toks = tokenize(t, mode)
            lengths.append(len(toks))
            for tok in toks:
                counts[tok] = counts.get(tok, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        limit = size if size is not None else (10000 if mode == "words" else len(ranked))
        self.tokens = [t for t, _ in ranked[:limit]]
        self.index = {t: k + 2 for k, t in enumerate(self.tokens)}
        if max_length is None:
            s = sorted(lengths)
            max_length = max(1, s[-1]) if longest else max(1, s[max(1, math.ceil(0.95 * len(s))) - 1])
        self.max_length = max_length
        self.size = len(self.tokens) + 2

    def encode(self, text):
        ids = [self.index.get(t, 1) for t in tokenize(text, self.mode)][: self.max_length]
        return ids + [0] * (self.max_length - len(ids))


def read_rows(file, columns):
    with open(file, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if all(r[c].strip() not in MISSING for c in columns)]


def glorot(module):
    for name, p in module.named_parameters():
        if "bias" in name:
            nn.init.zeros_(p)
        elif "weight_hh" in name:
            # dlmodel's recurrent kernel is one orthogonal (units x 4 units) matrix.
            q = torch.empty(p.shape[1], p.shape[0])
            nn.init.orthogonal_(q)
            p.data.copy_(q.t())
        elif "weight_ih" in name or (p.dim() == 2 and not isinstance(module, nn.Embedding)):
            q = torch.empty(p.shape[1], p.shape[0])
            nn.init.xavier_uniform_(q)
            p.data.copy_(q.t())


class Classifier(nn.Module):
    def __init__(self, vocab, classes, kind):
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(vocab, 16)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        if kind == "average":
            self.hidden = nn.Linear(16, 16)
            width = 16
        else:
            self.lstm = nn.LSTM(16, 48, batch_first=True)
            width = 48
        self.out = nn.Linear(width, 1 if classes == 2 else classes)
        for m in [self.out] + ([self.hidden] if kind == "average" else [self.lstm]):
            glorot(m)

    def forward(self, x):
        e = self.embed(x)
        if self.kind == "average":
            h = torch.relu(self.hidden(e.mean(dim=1)))
        else:
            _, (h, _) = self.lstm(e)
            h = h[-1]
        return self.out(h)


class Seq2Seq(nn.Module):
    def __init__(self, vocab, target_vocab, positions):
        super().__init__()
        self.positions = positions
        self.embed = nn.Embedding(vocab, 16)
        nn.init.uniform_(self.embed.weight, -0.05, 0.05)
        self.encoder = nn.LSTM(16, 64, batch_first=True)
        self.decoder = nn.LSTM(64, 64, batch_first=True)
        self.out = nn.Linear(64, target_vocab)
        for m in (self.encoder, self.decoder, self.out):
            glorot(m)

    def forward(self, x):
        _, (h, _) = self.encoder(self.embed(x))
        seq, _ = self.decoder(h[-1].unsqueeze(1).repeat(1, self.positions, 1))
        return self.out(seq)


EXAMPLES = {
    # name: (csv, text column, target column, tokens, target tokens, model, epochs, batch, learning rate)
    "spam": ("spam/messages.csv", "message", "label", "words", None, "average", 10, 32, 0.005),
    "word-language": ("word-language/words.csv", "word", "language", "characters", None, "lstm", 15, 32, 0.005),
    "numbers-to-digits": ("numbers-to-digits/numbers.csv", "words", "digits", "words", "characters", "seq2seq", 25, 32, 0.005),
}


def main():
    name = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 42
    file, col, target, tokens, target_tokens, kind, epochs, batch, lr = EXAMPLES[name]
    torch.manual_seed(seed)
    rows = read_rows(ROOT / file, [col, target])
    train_idx, val_idx = split_indices(len(rows), 0.2, seed)
    texts = [rows[i][col] for i in range(len(rows))]
    vocab = Vocab([texts[i] for i in train_idx], tokens)
    x = torch.tensor([vocab.encode(t) for t in texts])
    if kind == "seq2seq":
        tvocab = Vocab([rows[i][target] for i in train_idx], target_tokens, longest=True)
        y = torch.tensor([tvocab.encode(r[target]) for r in rows])
        model = Seq2Seq(vocab.size, tvocab.size, tvocab.max_length)
    else:
        classes = sorted({r[target] for r in rows})
        y = torch.tensor([classes.index(r[target]) for r in rows])
        model = Classifier(vocab.size, len(classes), kind)
    print(f"{name}: {len(train_idx)} training rows, {len(val_idx)} validation rows, vocabulary {vocab.size} ids, maxLength {vocab.max_length}")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    tr = torch.tensor(train_idx)
    va = torch.tensor(val_idx)
    for epoch in range(1, epochs + 1):
        model.train()
        order = tr[torch.randperm(len(tr))]
        for k in range(0, len(order), batch):
            b = order[k : k + batch]
            out = model(x[b])
            opt.zero_grad()
            loss_of(out, y[b], kind).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            out = model(x[va])
            val_loss = loss_of(out, y[va], kind).item()
            if kind == "seq2seq":
                pred = out.argmax(-1)
                want = y[va]
                mask = want != 0
                token_acc = ((pred == want) & mask).sum().item() / mask.sum().item()
                seq_acc = sum(decode(p) == decode(w) for p, w in zip(pred.tolist(), want.tolist())) / len(va)
                print(f"epoch {epoch}: val_loss {val_loss:.4f} val_tokenAccuracy {token_acc:.4f} val_sequenceAccuracy {seq_acc:.4f}")
            else:
                pred = (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(1)
                acc = (pred == y[va]).float().mean().item()
                print(f"epoch {epoch}: val_loss {val_loss:.4f} val_accuracy {acc:.4f}")


def decode(ids):
    return ids[: ids.index(0)] if 0 in ids else ids


def loss_of(out, y, kind):
    if kind == "seq2seq":
        return nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    if out.shape[1] == 1:
        return nn.functional.binary_cross_entropy_with_logits(out[:, 0], y.float())
    return nn.functional.cross_entropy(out, y)


if __name__ == "__main__":
    main()
