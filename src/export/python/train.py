#!/usr/bin/env python3
"""The dlmodel experiment described in plan.json, as a plain PyTorch program.

Written by `dlmodel export` (and run by dlmodel's `torch` backend). It needs only PyTorch (1.13 or 2.x).

The files beside this program:
  plan.json            every choice of the experiment as dlmodel made it: the layers with all their
                       options (the input layer derived from the data, the output layer from the target),
                       loss, metrics, optimizer, learning rate, batch size, epochs, seed
  preprocess.json      how dlmodel turned the data into numbers: feature order, one-hot categories,
                       normalization statistics, class names (prediction uses it to prepare new inputs)
  data/data.json       what the prepared data files hold (their shapes and types)
  data/inputs.*        every kept row, encoded and normalized exactly as dlmodel did, row-major,
                       little-endian (float32, or uint8 pixels to divide by 255); a text is its token ids
                       (preprocess.json's vocabulary, fitted on the training rows: 0 pads, 1 is unknown)
  data/targets.f32     the class index of each row, the (scaled) target values, or (a sequence task) the
                       target text's token ids, one per output position
  data/split.json      which rows are for training and which for validation
  data/examples.json   the validation rows as the user wrote them, and the `predict` inputs
  data/predict.f32     the `predict` inputs, encoded
  model-topology.json  the same network in TensorFlow.js Layers format, for the saved model/model.json
  initial-weights.bin  the weights TensorFlow.js draws for the seed (model-topology.json's order and layout):
                       with the same seed, training starts from the same weights and sees the batches in the
                       same order as in dlmodel, so the two runs follow each other closely
  base/                transfer learning (model.from): the trained model whose layers come first, in
                       TensorFlow.js Layers format (model.json + weights.bin); its weights are read into the
                       network below, and plan.json marks the frozen layers ("trainable": false)
  data/rows.json       autoencoders: every row as the user wrote it and its data.label (for the code plot)

Kinds of learning (plan.json says which): supervised; an autoencoder ("autoencoder": its code layer and
k-means clusters) learns to reproduce its input and writes autoencoder.json; pseudo-labels ("pseudoLabels")
train a first fit, then each round adopts the unlabelled rows predicted confidently enough and trains again.

Run it:
  python3 train.py [--epochs N] [--runs DIR] [--resume RUN_DIR]   (with pseudo-labels, N epochs per round)
  torchrun --nproc_per_node 2 train.py      (data-parallel: DDP, one process per device or CPU share)

It writes a run folder that dlmodel reads like any other: run.json, metrics.jsonl (one line per epoch),
checkpoint/, preprocess.json, predictions.json and model/ (TensorFlow.js Layers format, so that
`dlmodel predict --run DIR` and the editor use the model trained here).

Tensors between layers keep TensorFlow.js's layout (batch, ..., channels): that is what the spec's
shapes mean, and it makes `flatten` lay values out exactly as TensorFlow.js does. Convolutions and
pooling turn their input to PyTorch's channels-first layout and back (for a channels-last tensor both
are views, not copies).
"""
import argparse
import base64
import ctypes
import datetime
import json
import math
import os
import random
import secrets
import shutil
import signal
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Validation rows kept in predictions.json (as dlmodel's own trainer keeps them).
VALIDATION_PREDICTIONS_LIMIT = 10000
# The run being written (rank 0), so that a failure is recorded in its run.json.
CURRENT = {}

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as err:  # the dlmodel backend turns this line into a clear message
    sys.stderr.write("dlmodel: PyTorch is not installed for %s (%s)\n" % (sys.executable, err))
    sys.exit(3)


# ---------------------------------------------------------------------------------------------------------
# Activations, as TensorFlow.js defines them (hardSigmoid is Keras's 0.2 x + 0.5, not PyTorch's x / 6 + 0.5)
# ---------------------------------------------------------------------------------------------------------
def hard_sigmoid(x):
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": F.relu,
    "relu6": F.relu6,
    "elu": F.elu,
    "selu": F.selu,
    "sigmoid": torch.sigmoid,
    "hardSigmoid": hard_sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: F.softmax(x, dim=-1),
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": lambda x: x * torch.sigmoid(x),
    "mish": lambda x: x * torch.tanh(F.softplus(x)),
    "gelu": lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0))),
}


def glorot_uniform_(w, fan_in, fan_out):
    """TensorFlow.js's default kernel initializer (Glorot/Xavier uniform)."""
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        w.uniform_(-limit, limit)


def same_padding(size, kernel, stride):
    """TensorFlow's "same" padding: the output has ceil(size / stride) positions, the extra pad goes last."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


# ---------------------------------------------------------------------------------------------------------
# Layers: one class per spec layer type. Each knows how to hand its weights to TensorFlow.js (tfjs_weights).
# ---------------------------------------------------------------------------------------------------------
class Dense(nn.Module):
    """spec: { "type": "dense", "units", "activation", "useBias" }"""

    def __init__(self, in_features, units, activation="linear", use_bias=True):
        super().__init__()
        self.linear = nn.Linear(in_features, units, bias=use_bias)
        self.activation = activation
        glorot_uniform_(self.linear.weight, in_features, units)
        if use_bias:
            nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        return ACTIVATIONS[self.activation](self.linear(x))

    def tfjs_weights(self):
        # PyTorch keeps a dense kernel as [units, inputs]; TensorFlow.js as [inputs, units].
        out = [("kernel", self.linear.weight.t())]
        if self.linear.bias is not None:
            out.append(("bias", self.linear.bias))
        return out


class Conv2d(nn.Module):
    """spec: { "type": "conv2d", "filters", "kernelSize", "strides", "padding", "activation", "useBias" }"""

    def __init__(self, in_channels, filters, kernel_size, strides=1, padding="valid", activation="linear", use_bias=True):
        super().__init__()
        self.kernel, self.strides, self.padding, self.activation = pair(kernel_size), pair(strides), padding, activation
        self.conv = nn.Conv2d(in_channels, filters, self.kernel, stride=self.strides, bias=use_bias)
        kh, kw = self.kernel
        glorot_uniform_(self.conv.weight, in_channels * kh * kw, filters * kh * kw)
        if use_bias:
            nn.init.zeros_(self.conv.bias)

    def forward(self, x):  # x: (batch, height, width, channels)
        x = x.permute(0, 3, 1, 2)
        if self.padding == "same":
            top, bottom = same_padding(x.shape[2], self.kernel[0], self.strides[0])
            left, right = same_padding(x.shape[3], self.kernel[1], self.strides[1])
            x = F.pad(x, (left, right, top, bottom))
        return ACTIVATIONS[self.activation](self.conv(x).permute(0, 2, 3, 1))

    def tfjs_weights(self):
        # PyTorch: [filters, in, height, width]; TensorFlow.js: [height, width, in, filters] ("HWIO").
        out = [("kernel", self.conv.weight.permute(2, 3, 1, 0))]
        if self.conv.bias is not None:
            out.append(("bias", self.conv.bias))
        return out


class Conv1d(nn.Module):
    """spec: { "type": "conv1d", "filters", "kernelSize", "strides", "padding", "activation", "useBias" }"""

    def __init__(self, in_channels, filters, kernel_size, strides=1, padding="valid", activation="linear", use_bias=True):
        super().__init__()
        self.kernel, self.strides, self.padding, self.activation = kernel_size, strides, padding, activation
        self.conv = nn.Conv1d(in_channels, filters, kernel_size, stride=strides, bias=use_bias)
        glorot_uniform_(self.conv.weight, in_channels * kernel_size, filters * kernel_size)
        if use_bias:
            nn.init.zeros_(self.conv.bias)

    def forward(self, x):  # x: (batch, steps, channels)
        x = x.permute(0, 2, 1)
        if self.padding == "same":
            x = F.pad(x, same_padding(x.shape[2], self.kernel, self.strides))
        return ACTIVATIONS[self.activation](self.conv(x).permute(0, 2, 1))

    def tfjs_weights(self):
        # PyTorch: [filters, in, width]; TensorFlow.js: [width, in, filters].
        out = [("kernel", self.conv.weight.permute(2, 1, 0))]
        if self.conv.bias is not None:
            out.append(("bias", self.conv.bias))
        return out


class Pooling2d(nn.Module):
    """spec: { "type": "maxPooling2d" | "averagePooling2d", "poolSize", "strides", "padding" }"""

    def __init__(self, kind, pool_size=2, strides=None, padding="valid"):
        super().__init__()
        self.kind, self.pool, self.padding = kind, pair(pool_size), padding
        self.strides = pair(strides) if strides is not None else self.pool

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if self.padding == "same":
            top, bottom = same_padding(x.shape[2], self.pool[0], self.strides[0])
            left, right = same_padding(x.shape[3], self.pool[1], self.strides[1])
            pad = (left, right, top, bottom)
            if self.kind == "max":
                x = F.max_pool2d(F.pad(x, pad, value=-math.inf), self.pool, self.strides)
            else:
                # TensorFlow averages over the real pixels only: divide by how many of each window are real.
                ones = torch.ones_like(x[:, :1])
                x = F.avg_pool2d(F.pad(x, pad), self.pool, self.strides) / F.avg_pool2d(F.pad(ones, pad), self.pool, self.strides)
        elif self.kind == "max":
            x = F.max_pool2d(x, self.pool, self.strides)
        else:
            x = F.avg_pool2d(x, self.pool, self.strides)
        return x.permute(0, 2, 3, 1)


class Pooling1d(nn.Module):
    """spec: { "type": "maxPooling1d", "poolSize", "strides", "padding" }"""

    def __init__(self, pool_size=2, strides=None, padding="valid"):
        super().__init__()
        self.pool = pool_size if isinstance(pool_size, int) else int(pool_size[0])
        s = strides if strides is not None else self.pool
        self.strides, self.padding = (s if isinstance(s, int) else int(s[0])), padding

    def forward(self, x):  # x: (batch, steps, channels)
        x = x.permute(0, 2, 1)
        if self.padding == "same":
            x = F.pad(x, same_padding(x.shape[2], self.pool, self.strides), value=-math.inf)
        return F.max_pool1d(x, self.pool, self.strides).permute(0, 2, 1)


class BatchNormalization(nn.Module):
    """spec: { "type": "batchNormalization" }: normalizes the last axis, TensorFlow.js's defaults
    (momentum 0.99, epsilon 0.001). The weights carry TensorFlow.js's names."""

    def __init__(self, channels):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x):
        y = x.movedim(-1, 1) if x.dim() > 2 else x
        y = F.batch_norm(y, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                         training=self.training, momentum=0.01, eps=1e-3)
        return y.movedim(1, -1) if x.dim() > 2 else y

    def tfjs_weights(self):
        return [("gamma", self.gamma), ("beta", self.beta), ("moving_mean", self.moving_mean),
                ("moving_variance", self.moving_variance)]


class Embedding(nn.Module):
    """spec: { "type": "embedding", "inputDim", "outputDim" }: token ids to vectors."""

    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, output_dim)
        with torch.no_grad():
            self.embedding.weight.uniform_(-0.05, 0.05)

    def forward(self, x):
        return self.embedding(x.long())

    def tfjs_weights(self):
        return [("embeddings", self.embedding.weight)]


class Recurrent(nn.Module):
    """spec: { "type": "simpleRNN" | "lstm" | "gru", "units", "activation", "useBias", "returnSequences" }.

    The weights keep TensorFlow.js's layout and equations. An LSTM with tanh, and a simpleRNN with tanh or
    relu, run through PyTorch's fused recurrent kernels (cuDNN on a GPU) on transposed views of them: the
    gate order i, f, c, o is PyTorch's i, f, g, o, and PyTorch's second bias is held at zero. A GRU is
    written out step by step, because TensorFlow.js's GRU applies the reset gate before the recurrent
    product (PyTorch's after). Gates use the logistic sigmoid, as dlmodel configures
    TensorFlow.js (its own default would be hardSigmoid). The weights are kept in
    TensorFlow.js's layout: kernel [inputs, gates x units] (gates i, f, c, o for LSTM; z, r, h for GRU),
    recurrent_kernel [units, gates x units], bias [gates x units].
    """

    GATES = {"simpleRNN": 1, "lstm": 4, "gru": 3}

    def __init__(self, kind, in_features, units, activation="tanh", use_bias=True, return_sequences=False, go_backwards=False):
        super().__init__()
        g = self.GATES[kind]
        self.kind, self.units, self.activation, self.return_sequences = kind, units, activation, return_sequences
        self.go_backwards = go_backwards
        self.kernel = nn.Parameter(torch.empty(in_features, g * units))
        self.recurrent_kernel = nn.Parameter(torch.empty(units, g * units))
        self.bias = nn.Parameter(torch.zeros(g * units)) if use_bias else None
        glorot_uniform_(self.kernel, in_features, g * units)
        nn.init.orthogonal_(self.recurrent_kernel)

    def forward(self, x):  # x: (batch, steps, features)
        act = ACTIVATIONS[self.activation]
        u = self.units
        if self.go_backwards:  # TensorFlow.js's goBackwards: the last step first; outputs stay in that order
            x = x.flip(1)
        fused = self.fused_kernel()
        if fused is not None:
            params = [self.kernel.t().contiguous(), self.recurrent_kernel.t().contiguous()]
            if self.bias is not None:
                params += [self.bias, torch.zeros_like(self.bias)]
            h0 = x.new_zeros(1, x.shape[0], u)
            state = (h0, torch.zeros_like(h0)) if self.kind == "lstm" else h0
            out = fused(x.contiguous(), state, params, self.bias is not None, 1, 0.0, self.training, False, True)[0]
            return out if self.return_sequences else out[:, -1]
        xs = x @ self.kernel
        if self.bias is not None:
            xs = xs + self.bias
        h = x.new_zeros(x.shape[0], u)
        c = x.new_zeros(x.shape[0], u)
        outputs = []
        for t in range(x.shape[1]):
            xt = xs[:, t]
            if self.kind == "simpleRNN":
                h = act(xt + h @ self.recurrent_kernel)
            elif self.kind == "lstm":
                z = xt + h @ self.recurrent_kernel
                i, f, cc, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * act(cc)
                h = torch.sigmoid(o) * act(c)
            else:
                rec = h @ self.recurrent_kernel[:, :2 * u]
                z = torch.sigmoid(xt[:, :u] + rec[:, :u])
                r = torch.sigmoid(xt[:, u:2 * u] + rec[:, u:])
                hh = act(xt[:, 2 * u:] + (r * h) @ self.recurrent_kernel[:, 2 * u:])
                h = z * h + (1 - z) * hh
            if self.return_sequences:
                outputs.append(h)
        return torch.stack(outputs, dim=1) if self.return_sequences else h

    def fused_kernel(self):
        """PyTorch's own recurrent kernel computing exactly this layer, or None."""
        if self.kind == "lstm" and self.activation == "tanh":
            return torch.lstm
        if self.kind == "simpleRNN" and self.activation in ("tanh", "relu"):
            return torch.rnn_tanh if self.activation == "tanh" else torch.rnn_relu
        return None

    def tfjs_weights(self):
        out = [("kernel", self.kernel), ("recurrent_kernel", self.recurrent_kernel)]
        if self.bias is not None:
            out.append(("bias", self.bias))
        return out


class Bidirectional(nn.Module):
    """spec: { "type": "bidirectional", "layer": { a simpleRNN, lstm or gru }, "mergeMode" }.

    Two copies of the recurrent layer, as TensorFlow.js builds them: one reads the sequence forwards, the
    other backwards (goBackwards); with returnSequences the backward outputs are turned back to the
    sequence's order, so that position t merges both readings of step t. mergeMode concat puts the
    forward values first. TensorFlow.js names the weights forward_<layer>/... and backward_<layer>/...
    """

    MERGE = {
        "concat": lambda a, b: torch.cat([a, b], dim=-1),
        "sum": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "ave": lambda a, b: (a + b) / 2,
    }

    def __init__(self, inner, inner_name, in_features, merge_mode="concat"):
        super().__init__()
        kind, units = inner["type"], inner["units"]
        act, bias, seqs = inner.get("activation") or "tanh", inner.get("useBias", True), inner.get("returnSequences", False)
        self.forward_layer = Recurrent(kind, in_features, units, act, bias, seqs)
        self.backward_layer = Recurrent(kind, in_features, units, act, bias, seqs, go_backwards=True)
        self.inner_name, self.merge_mode, self.return_sequences = inner_name, merge_mode, seqs

    def forward(self, x):
        y, y_rev = self.forward_layer(x), self.backward_layer(x)
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        return self.MERGE[self.merge_mode](y, y_rev)

    def tfjs_weights(self):
        return ([("forward_%s/%s" % (self.inner_name, n), w) for n, w in self.forward_layer.tfjs_weights()]
                + [("backward_%s/%s" % (self.inner_name, n), w) for n, w in self.backward_layer.tfjs_weights()])


class Conv2dTranspose(nn.Module):
    """spec: { "type": "conv2dTranspose", "filters", "kernelSize", "strides", "padding", "activation", "useBias" }.

    TensorFlow.js's output is size x strides ("same") or size x strides + max(kernel - strides, 0)
    ("valid") in each dimension. PyTorch's full transposed convolution gives (size - 1) x strides + kernel;
    "same" keeps the middle of it (the extra goes last, as TensorFlow pads), and where the kernel is
    smaller than the strides TensorFlow's output is longer: the missing end is zeros, before the bias.
    """

    def __init__(self, in_channels, filters, kernel_size, strides=1, padding="valid", activation="linear", use_bias=True):
        super().__init__()
        self.kernel, self.strides, self.padding, self.activation = pair(kernel_size), pair(strides), padding, activation
        kh, kw = self.kernel
        # PyTorch: [in, filters, height, width]; TensorFlow.js: [height, width, filters, in].
        self.weight = nn.Parameter(torch.empty(in_channels, filters, kh, kw))
        self.bias = nn.Parameter(torch.zeros(filters)) if use_bias else None
        glorot_uniform_(self.weight, filters * kh * kw, in_channels * kh * kw)

    def out_size(self, size, k, s):
        return size * s if self.padding == "same" else size * s + max(k - s, 0)

    def forward(self, x):  # x: (batch, height, width, channels)
        x = x.permute(0, 3, 1, 2)
        h, w = x.shape[2], x.shape[3]
        y = F.conv_transpose2d(x, self.weight, stride=self.strides)
        out = []
        for dim, size, k, s in ((2, h, self.kernel[0], self.strides[0]), (3, w, self.kernel[1], self.strides[1])):
            want = self.out_size(size, k, s)
            start = max(k - s, 0) // 2 if self.padding == "same" else 0
            y = y.narrow(dim, start, min(want, y.shape[dim] - start))
            out.append(want)
        if y.shape[2] < out[0] or y.shape[3] < out[1]:
            y = F.pad(y, (0, out[1] - y.shape[3], 0, out[0] - y.shape[2]))
        if self.bias is not None:
            y = y + self.bias.view(1, -1, 1, 1)
        return ACTIVATIONS[self.activation](y.permute(0, 2, 3, 1))

    def tfjs_weights(self):
        out = [("kernel", self.weight.permute(2, 3, 1, 0))]
        if self.bias is not None:
            out.append(("bias", self.bias))
        return out


class Lambda(nn.Module):
    """Layers without weights that only reshape or reduce."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def make_layer(spec, in_shape):
    """One plan.json layer (all options filled in by dlmodel) to a module. `in_shape` excludes the batch."""
    t = spec["type"]
    act = spec.get("activation") or "linear"
    if t == "dense":
        return Dense(in_shape[-1], spec["units"], act, spec.get("useBias", True))
    if t == "dropout":
        return nn.Dropout(spec["rate"])
    if t == "batchNormalization":
        return BatchNormalization(in_shape[-1])
    if t == "flatten":
        return Lambda(lambda x: x.reshape(x.shape[0], -1))
    if t == "reshape":
        target = spec["targetShape"]
        return Lambda(lambda x: x.reshape(x.shape[0], *target))
    if t == "conv2d":
        return Conv2d(in_shape[-1], spec["filters"], spec["kernelSize"], spec.get("strides", 1),
                      spec.get("padding", "valid"), act, spec.get("useBias", True))
    if t == "conv1d":
        return Conv1d(in_shape[-1], spec["filters"], spec["kernelSize"], spec.get("strides", 1),
                      spec.get("padding", "valid"), act, spec.get("useBias", True))
    if t in ("maxPooling2d", "averagePooling2d"):
        return Pooling2d("max" if t == "maxPooling2d" else "avg", spec["poolSize"], spec.get("strides"),
                         spec.get("padding", "valid"))
    if t == "globalAveragePooling2d":
        return Lambda(lambda x: x.mean(dim=(1, 2)))
    if t == "globalAveragePooling1d":
        return Lambda(lambda x: x.mean(dim=1))
    if t == "globalMaxPooling1d":
        return Lambda(lambda x: x.max(dim=1).values)
    if t == "maxPooling1d":
        return Pooling1d(spec["poolSize"], spec.get("strides"), spec.get("padding", "valid"))
    if t == "repeatVector":
        n = spec["n"]
        return Lambda(lambda x: x.unsqueeze(1).repeat(1, n, 1))
    if t == "upSampling2d":
        size = pair(spec.get("size", 2))
        # Nearest neighbour: each pixel repeated size[0] x size[1] times (TensorFlow.js's default).
        return Lambda(lambda x: x.repeat_interleave(size[0], dim=1).repeat_interleave(size[1], dim=2))
    if t == "embedding":
        return Embedding(spec["inputDim"], spec["outputDim"])
    if t in ("simpleRNN", "lstm", "gru"):
        return Recurrent(t, in_shape[-1], spec["units"], spec.get("activation") or "tanh",
                         spec.get("useBias", True), spec.get("returnSequences", False))
    if t == "bidirectional":
        return Bidirectional(spec["layer"], spec["innerName"], in_shape[-1], spec.get("mergeMode", "concat"))
    if t == "conv2dTranspose":
        return Conv2dTranspose(in_shape[-1], spec["filters"], spec["kernelSize"], spec.get("strides", 1),
                               spec.get("padding", "valid"), act, spec.get("useBias", True))
    if t == "timeDistributed":
        # A sequence task's derived output: the same dense softmax at every position (a dense layer works
        # on the last axis, so on each position of a (batch, positions, features) tensor).
        inner = spec["layer"]
        return Dense(in_shape[-1], inner["units"], inner.get("activation") or "linear", inner.get("useBias", True))
    raise ValueError("layer type %s is not supported by the torch backend yet" % t)


class Network(nn.Module):
    """The network of plan.json: the input shape derived from the data, then every layer in order, the
    last one being the output layer derived from the target."""

    def __init__(self, plan):
        super().__init__()
        self.specs = plan["layers"]
        layers = []
        shape = plan["inputShape"]
        for spec in self.specs:
            layers.append(make_layer(spec, shape))
            shape = spec["outputShape"]
        self.layers = nn.ModuleList(layers)

    def forward(self, x, upto=None):
        """The network's output, or (an autoencoder's code) the output of layer `upto`."""
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == upto:
                break
        return x

    def freeze(self):
        """Transfer learning: the base layers plan.json marks "trainable": false are not trained."""
        for spec, layer in zip(self.specs, self.layers):
            if spec.get("trainable") is False:
                for p in layer.parameters():
                    p.requires_grad_(False)

    def tfjs_views(self):
        """Every weight seen in TensorFlow.js's layout, by its name there ("dense_1/kernel"). The transposed
        and permuted tensors are views: reading them converts to TensorFlow.js, copying into them converts back."""
        out = {}
        for spec, layer in zip(self.specs, self.layers):
            if hasattr(layer, "tfjs_weights"):
                for suffix, w in layer.tfjs_weights():
                    out[spec["name"] + "/" + suffix] = w
        return out

    def tfjs_weights(self):
        return {name: w.detach().float().cpu().contiguous() for name, w in self.tfjs_views().items()}

    def load_tfjs_weights(self, values):
        """Sets every weight from TensorFlow.js's layout (the initial weights dlmodel drew with the seed)."""
        views = self.tfjs_views()
        with torch.no_grad():
            for name, v in values.items():
                views[name].copy_(v.reshape(views[name].shape))


# ---------------------------------------------------------------------------------------------------------
# Loss and metrics, computed as TensorFlow.js does (on the output layer's probabilities, clipped at 1e-7)
# ---------------------------------------------------------------------------------------------------------
EPS = 1e-7


def loss_fn(name, p, y):
    if name == "binaryCrossentropy":
        p = p.clamp(EPS, 1 - EPS)
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    if name in ("categoricalCrossentropy", "sparseCategoricalCrossentropy"):
        if name == "sparseCategoricalCrossentropy":  # one id per example, or per position (sequence)
            y = F.one_hot(y.long().reshape(p.shape[:-1]), p.shape[-1]).to(p.dtype)
        p = p / p.sum(dim=-1, keepdim=True)
        return -(y * torch.log(p.clamp(EPS, 1 - EPS))).sum(dim=-1).mean()
    if name == "meanSquaredError":
        return ((p - y) ** 2).mean()
    if name == "meanAbsoluteError":
        return (p - y).abs().mean()
    if name == "huberLoss":
        return F.smooth_l1_loss(p, y, beta=1.0)
    raise ValueError("loss %s is not supported by the torch backend yet" % name)


def metric_fn(name, mode, p, y):
    if name == "accuracy":
        if mode == "binary":
            return ((p > 0.5).to(y.dtype) == y).float().mean()
        truth = y.reshape(-1).long() if mode == "index" else y.argmax(dim=-1)
        return (p.argmax(dim=-1) == truth).float().mean()
    if name == "mae":
        return (p - y).abs().mean()
    if name == "mse":
        return ((p - y) ** 2).mean()
    if name in ("precision", "recall"):
        if mode == "index":
            y = F.one_hot(y.long().reshape(-1), p.shape[-1]).to(p.dtype)
        predicted = (p > 0.5).float()
        tp = (predicted * y).sum()
        base = predicted.sum() if name == "precision" else y.sum()
        return tp / base if base > 0 else tp * 0
    if name in ("tokenAccuracy", "sequenceAccuracy"):
        return sequence_metric(name, p, y)
    raise ValueError("metric %s is not supported by the torch backend yet" % name)


def sequence_metric(name, p, y):
    """A sequence task's metrics (src/engine/metrics/sequence.ts); y: (batch, positions) ids, 0 = padding.
    tokenAccuracy: the share of target tokens (padding ignored) predicted right. sequenceAccuracy: the share
    of examples whose every token is right and, after a target shorter than the positions, the first
    padding too (so the decoded prediction, which stops there, is exactly the target)."""
    want = y.reshape(p.shape[:2]).long()
    right = p.argmax(dim=-1) == want
    tokens = (want != 0).float()
    if name == "tokenAccuracy":
        return (right.float() * tokens).sum() / tokens.sum().clamp(min=1)
    before = torch.cat([torch.ones_like(tokens[:, :1]), tokens[:, :-1]], dim=1)
    counted = tokens + (1 - tokens) * before
    return ((counted * (~right).float()).sum(dim=1) == 0).float().mean()


def make_optimizer(spec, params):
    """The TensorFlow.js optimizers with their TensorFlow.js defaults (epsilon 1e-7, rho/decay 0.95/0.9)."""
    t, lr = spec["type"], spec["learningRate"]
    if t == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if t == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if t == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)
    if t == "adamax":
        return torch.optim.Adamax(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)
    if t == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=0.1)
    if t == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)
    if t == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    raise ValueError("optimizer %s is not supported by the torch backend yet" % t)


# ---------------------------------------------------------------------------------------------------------
# The prepared data (see data/data.json)
# ---------------------------------------------------------------------------------------------------------
def read_json(path):
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def read_array(path, dtype, shape):
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    if len(raw) == 0:
        return torch.zeros(shape, dtype=dtype)
    return torch.frombuffer(raw, dtype=dtype).reshape(shape)


def read_tfjs_weights(path, specs):
    """A weights.bin in TensorFlow.js's layout: the float32 tensors of `specs`, one after another."""
    flat = read_array(path, torch.float32, [-1])
    out, at = {}, 0
    for spec in specs:
        n = math.prod(spec["shape"]) if spec["shape"] else 1
        if at + n > flat.numel():
            raise ValueError("%s holds %d values, fewer than its weights need" % (path, flat.numel()))
        out[spec["name"]] = flat[at:at + n].reshape(spec["shape"])
        at += n
    return out


def read_tfjs_model(model_json):
    """The weights of a model saved by TensorFlow.js (model.json + its weight files), by name, in
    TensorFlow.js's layout. Each manifest group's files hold its float32 weights one after another."""
    folder = os.path.dirname(model_json)
    manifest = read_json(model_json).get("weightsManifest") or []
    out = {}
    for group in manifest:
        raw = bytearray()
        for rel in group["paths"]:
            with open(os.path.join(folder, rel), "rb") as f:
                raw += f.read()
        for spec in group["weights"]:
            if spec.get("dtype", "float32") != "float32":
                raise ValueError("%s: weight %s is %s; only float32 weights can be read" % (model_json, spec["name"], spec["dtype"]))
        values = torch.frombuffer(raw, dtype=torch.float32) if len(raw) else torch.zeros(0)
        at = 0
        for spec in group["weights"]:
            n = math.prod(spec["shape"]) if spec["shape"] else 1
            if at + n > values.numel():
                raise ValueError("%s: the weight files hold fewer values than the manifest lists" % model_json)
            out[spec["name"]] = values[at:at + n].reshape(spec["shape"])
            at += n
    return out


def mulberry32(seed):
    """dlmodel's seeded generator (src/data/split.ts), so that batches come in the same order as there."""
    a = seed & 0xFFFFFFFF

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return rand


def shuffled(rows, seed):
    """Fisher-Yates with mulberry32, exactly as dlmodel shuffles the training rows each epoch."""
    rows, rand = list(rows), mulberry32(seed)
    for i in range(len(rows) - 1, 0, -1):
        j = int(rand() * (i + 1))
        rows[i], rows[j] = rows[j], rows[i]
    return rows


def load_data(folder):
    meta = read_json(os.path.join(folder, "data.json"))
    n = meta["rows"]
    shape = [n] + meta["inputShape"]
    if meta["inputs"]["type"] == "uint8":
        x = read_array(os.path.join(folder, meta["inputs"]["file"]), torch.uint8, shape).float() / 255.0
    else:
        x = read_array(os.path.join(folder, meta["inputs"]["file"]), torch.float32, shape)
    y = read_array(os.path.join(folder, meta["targets"]["file"]), torch.float32, [n, meta["targets"]["width"]])
    split = read_json(os.path.join(folder, "split.json"))
    predict_n = meta["predict"]["rows"]
    px = read_array(os.path.join(folder, meta["predict"]["file"]), torch.float32, [predict_n] + meta["inputShape"])
    return x, y, split, px, read_json(os.path.join(folder, "examples.json"))


def batch_targets(y, mode, units):
    """Targets as the loss wants them: one-hot rows, a 0/1 column, class indices, values, or (a sequence
    task) token ids per position."""
    if mode == "onehot":
        return F.one_hot(y.reshape(-1).long(), units).float()
    return y


# ---------------------------------------------------------------------------------------------------------
# The run folder: the same files dlmodel's own trainer writes
# ---------------------------------------------------------------------------------------------------------
def write_json_atomic(path, value, sync=False):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, indent=2) + "\n")
        if sync:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def new_run_id():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)[:3]


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def save_tfjs_model(net, topology, folder):
    """model.json + weights.bin in TensorFlow.js Layers format: the topology dlmodel wrote at export,
    the weights converted from PyTorch's layouts, in the order the topology lists them."""
    weights = net.tfjs_weights()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        for spec in topology["weightSpecs"]:
            w = weights[spec["name"]]
            if list(w.shape) != spec["shape"]:
                raise RuntimeError("weight %s has shape %s, TensorFlow.js expects %s" % (spec["name"], list(w.shape), spec["shape"]))
            f.write(float32_bytes(w))
    model_json = {
        "modelTopology": topology["modelTopology"],
        "format": "layers-model",
        "generatedBy": "dlmodel train.py (PyTorch %s)" % torch.__version__,
        "convertedBy": None,
        "weightsManifest": [{"paths": ["./weights.bin"], "weights": topology["weightSpecs"]}],
    }
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8") as f:
        json.dump(model_json, f)


def replace_dir(folder, write):
    """Writes a folder next to `folder`, then swaps it in, so that no reader sees half a model."""
    tmp, old = folder + ".tmp-%d" % os.getpid(), folder + ".old"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    write(tmp)
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(folder):
        os.rename(folder, old)
    os.rename(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# Talking to dlmodel (only with --events: one JSON event per line on standard output, "cancel" on input)
# ---------------------------------------------------------------------------------------------------------
class Events:
    def __init__(self, enabled):
        self.enabled = enabled
        self.stop_requested = False
        if enabled:
            threading.Thread(target=self._read_stdin, daemon=True).start()

    def _read_stdin(self):
        for line in sys.stdin:
            if line.strip() == "cancel":
                self.stop_requested = True
        # dlmodel went away: stop at the next batch and keep what is finished.
        self.stop_requested = True

    def emit(self, event):
        if self.enabled:
            sys.stdout.write(json.dumps(event) + "\n")
            sys.stdout.flush()

    def say(self, text):
        if self.enabled:
            self.emit({"type": "log", "level": "info", "message": text})
        else:
            print(text, flush=True)


def pick_device(ddp):
    """CUDA, then Apple's MPS, then the CPU; says why each earlier one was not taken."""
    attempts = []
    if torch.cuda.is_available():
        index = int(os.environ.get("LOCAL_RANK", "0")) if ddp else 0
        name = torch.cuda.get_device_name(index)
        attempts.append({"name": "torch-cuda", "ok": True, "reason": "%s (PyTorch %s, CUDA %s)" % (name, torch.__version__, torch.version.cuda)})
        return torch.device("cuda", index), "torch-cuda", "GPU (PyTorch CUDA: %s)" % name, attempts
    attempts.append({"name": "torch-cuda", "ok": False, "reason": "torch.cuda.is_available() is False (no NVIDIA GPU or a CPU-only PyTorch %s)" % torch.__version__})
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available() and not ddp:
        attempts.append({"name": "torch-mps", "ok": True, "reason": "Apple GPU through Metal"})
        return torch.device("mps"), "torch-mps", "GPU (PyTorch MPS)", attempts
    attempts.append({"name": "torch-mps", "ok": False, "reason": "no Apple GPU (torch.backends.mps is not available)"})
    attempts.append({"name": "torch-cpu", "ok": True, "reason": "PyTorch %s on %d threads" % (torch.__version__, torch.get_num_threads())})
    return torch.device("cpu"), "torch-cpu", "CPU (PyTorch)", attempts


def kernel_of(layer_weights):
    """The weight the diagram draws for a layer (its kernel, embeddings or gamma) and its bias."""
    kernel = bias = None
    for suffix, w in layer_weights:
        # By the name's end, as dlmodel's trainer picks them (a bidirectional layer: forward_<inner>/kernel).
        last = suffix.split("/")[-1]
        if kernel is None and last in ("kernel", "embeddings", "gamma"):
            kernel = w
        if bias is None and last in ("bias", "beta"):
            bias = w
    return kernel, bias


def float32_bytes(t):
    """A CPU float32 tensor's values as little-endian bytes, read from its memory at once (packing a Python
    list of a 10,000 x 64 embedding took longer than the half second of training between two events)."""
    t = t.detach().to("cpu", torch.float32).contiguous()
    if sys.byteorder == "little":
        return ctypes.string_at(t.data_ptr(), t.numel() * 4)
    return struct.pack("<%df" % t.numel(), *t.reshape(-1).tolist())


def live_weights(net, plan, epoch, batch):
    """The `weights` event: each layer's kernel in TensorFlow.js's layout (float32, base64) and bias."""
    layers = []
    for spec, layer in zip(plan["layers"], net.layers):
        if not hasattr(layer, "tfjs_weights"):
            continue
        kernel, bias = kernel_of(layer.tfjs_weights())
        if kernel is None:
            continue
        k = kernel.detach().float().cpu().contiguous()
        item = {"index": spec["tfjsIndex"], "name": spec["name"], "type": spec["className"],
                "kernelShape": list(k.shape),
                "kernelBase64": base64.b64encode(float32_bytes(k)).decode("ascii")}
        if bias is not None:
            item["bias"] = bias.detach().float().cpu().tolist()
        layers.append(item)
    event = {"type": "weights", "epoch": epoch, "layers": layers}
    if batch is not None:
        event["batch"] = batch
    return event


# ---------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description="Train the dlmodel experiment in plan.json with PyTorch.")
    ap.add_argument("--epochs", type=int, help="epochs to train (default: plan.json's)")
    ap.add_argument("--seed", type=int, help="seed (default: plan.json's)")
    ap.add_argument("--runs", help="folder for the run folder (default: plan.json's runsDir, else ./runs)")
    ap.add_argument("--run-dir", help="write into this (empty) run folder")
    ap.add_argument("--resume", help="continue this run folder from its last checkpoint")
    ap.add_argument("--events", action="store_true", help="speak dlmodel's trainer protocol on stdin/stdout")
    ap.add_argument("--threads", type=int, help="CPU threads for PyTorch")
    ap.add_argument("--progress-every", type=float, default=0.25, metavar="SECONDS",
                    help="with --events: seconds between two progress (batch) events (default 0.25)")
    args = ap.parse_args()

    plan = read_json(os.path.join(HERE, "plan.json"))
    topology = read_json(os.path.join(HERE, "model-topology.json"))
    preprocess = read_json(os.path.join(HERE, "preprocess.json"))
    events = Events(args.events)

    # torchrun sets these; then this process is one of WORLD_SIZE, and only rank 0 writes the run folder.
    world = int(os.environ.get("WORLD_SIZE", "1"))
    ddp = world > 1
    rank = int(os.environ.get("RANK", "0"))
    if args.threads:
        torch.set_num_threads(args.threads)
    device, backend, label, attempts = pick_device(ddp)
    if ddp:
        import torch.distributed as dist
        if device.type == "cuda":
            torch.cuda.set_device(device)  # one GPU per process: LOCAL_RANK's
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    writer = rank == 0

    def on_signal(signum, frame):
        events.stop_requested = True

    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, on_signal)

    seed = args.seed if args.seed is not None else plan["seed"]
    epochs = args.epochs if args.epochs is not None else plan["epochs"]
    mode, units = plan["targetMode"], plan["layers"][-1].get("units", 1)
    scale = plan.get("unitScale", {})
    # Pseudo-labels: --epochs counts the epochs of each round (the first fit is round 0), as in dlmodel.
    pseudo = plan.get("pseudoLabels")
    per_round = None
    if pseudo:
        per_round = args.epochs if args.epochs is not None else pseudo["epochsPerRound"]
        epochs = per_round * (pseudo["rounds"] + 1)
    pstate = {"round": 0, "adopted": [], "rounds": []}
    ae = plan.get("autoencoder")
    code_index = next(i for i, l in enumerate(plan["layers"]) if l["name"] == ae["codeLayer"]) if ae else None

    # ---- the data: prepared by dlmodel, split as dlmodel split it ----
    x, y, split, predict_x, examples = load_data(os.path.join(HERE, "data"))
    train_rows = torch.tensor(split["train"], dtype=torch.long)
    val_rows = torch.tensor(split["validation"], dtype=torch.long)
    unlabelled = torch.tensor(split.get("unlabelled", []), dtype=torch.long)
    rows_info = read_json(os.path.join(HERE, "data", "rows.json")) if ae else None
    x, y = x.to(device), y.to(device)

    # ---- the network, seeded: the same seed gives the same initial weights and batch order ----
    random.seed(seed)
    torch.manual_seed(seed)
    net = Network(plan)
    # The weights TensorFlow.js draws for this seed: a PyTorch run starts where a dlmodel run starts.
    init = plan.get("initialWeights")
    if init and seed == init["seed"]:
        net.load_tfjs_weights(read_tfjs_weights(os.path.join(HERE, init["file"]), topology["weightSpecs"]))
    if plan.get("base"):
        # Transfer learning: the trained base model's weights (TensorFlow.js format) into its layers here,
        # converted back to PyTorch's layouts; then the frozen ones stop learning.
        base_file = os.path.join(HERE, plan["base"]["model"])
        base = read_tfjs_model(base_file)
        prefixes = tuple(name + "/" for name in plan["base"]["layers"])
        wanted = [k for k in net.tfjs_views() if k.startswith(prefixes)]
        missing = [k for k in wanted if k not in base]
        if missing:
            raise ValueError("the base model %s has no weight %s" % (base_file, missing[0]))
        net.load_tfjs_weights({k: base[k] for k in wanted})
        net.freeze()
    net = net.to(device)
    optimizer = make_optimizer(plan["optimizer"], [p for p in net.parameters() if p.requires_grad])
    model = net
    if ddp:
        model = nn.parallel.DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)

    # ---- the run folder (rank 0) ----
    start_epoch, best, wait = 0, None, 0
    run = dict(plan["run"])
    if args.resume:
        run_dir = os.path.abspath(args.resume)
        run = read_json(os.path.join(run_dir, "run.json"))
        ckpt_file = os.path.join(run_dir, "checkpoint", "torch.pt")
        if os.path.exists(ckpt_file):
            ckpt = torch.load(ckpt_file, map_location=device)
            net.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            start_epoch, best, wait = ckpt["epoch"], ckpt.get("best"), ckpt.get("wait", 0)
            if pseudo and ckpt.get("pseudo"):
                apply_adoption(y, pstate, ckpt["pseudo"])
                pstate = ckpt["pseudo"]
        else:
            events.say("%s has no PyTorch checkpoint yet: training starts again from epoch 1" % run_dir)
        if args.epochs is None:
            epochs = run.get("epochs", epochs)
            per_round = run.get("epochsPerRound", per_round)
    else:
        if args.run_dir:
            run_dir = os.path.abspath(args.run_dir)
            run_id = os.path.basename(run_dir)
        else:
            runs = args.runs or os.path.join(HERE, plan["runsDir"])
            run_id = new_run_id()
            run_dir = os.path.join(os.path.abspath(runs), run_id)
        run.update({"id": run_id, "startedAt": now_iso(), "epochsDone": 0})
    run.update({"status": "running", "backend": backend, "backendLabel": label, "epochs": epochs, "seed": seed,
                "backendDetail": "; ".join("%s: %s (%s)" % (a["name"], "ok" if a["ok"] else "no", a["reason"]) for a in attempts),
                "pid": os.getpid()})
    if pseudo:
        run["epochsPerRound"] = per_round
        run.setdefault("rounds", [])
    if isinstance(run.get("plan"), dict):  # the plan as this run uses it (with pseudo-labels, epochs of a round)
        run["plan"] = dict(run["plan"], epochs=per_round if pseudo else epochs, seed=seed)
    run.pop("endedAt", None)
    run.pop("error", None)
    if ddp:
        run["backendDetail"] += "; DDP over %d processes" % world
    metrics_file = os.path.join(run_dir, "metrics.jsonl")
    if writer:
        os.makedirs(run_dir, exist_ok=True)
        write_json_atomic(os.path.join(run_dir, "run.json"), run)
        CURRENT.update(run_dir=run_dir, run=run)
        write_json_atomic(os.path.join(run_dir, "preprocess.json"), preprocess)
        if args.resume and os.path.exists(metrics_file):  # keep only the epochs the checkpoint holds
            with open(metrics_file, encoding="utf-8") as f:
                kept = [l for l in f if l.strip() and json.loads(l)["epoch"] <= start_epoch]
            with open(metrics_file, "w", encoding="utf-8") as f:
                f.writelines(kept)
    events.emit({"type": "started", "runId": run["id"], "runDir": run_dir,
                 "backend": {"name": backend, "label": label, "attempts": attempts},
                 "params": plan["params"], "layers": plan["summary"], "epochs": epochs, "initialEpoch": start_epoch,
                 "inputNames": preprocess.get("inputNames", []), "classNames": preprocess.get("classNames"),
                 "samples": {"train": len(train_rows), "validation": len(val_rows)}})
    if not args.events and writer:
        print("Training on %s: %d learnable parameters, %d training / %d validation rows, %d epochs%s"
              % (label, plan["params"]["trainable"], len(train_rows), len(val_rows), epochs,
                 " (DDP over %d processes)" % world if ddp else ""), flush=True)
        print("Run folder: %s" % run_dir, flush=True)

    batch_size = plan["batchSize"]
    names = ["loss"] + plan["metrics"]
    es = plan.get("earlyStopping")
    monitor = es["monitor"] if es else "val_loss"
    if es and monitor.startswith("val_") and len(val_rows) == 0:
        monitor = monitor[4:]
    maximize = any(k in monitor for k in ("acc", "precision", "recall"))
    last_progress = last_weights = 0.0
    epochs_done, last_record, stopped, times = start_epoch, None, False, []
    best_state = None  # earlyStopping.restoreBestWeights: the weights of the best epoch so far

    def measure(p, xb, yb):
        """Loss and metrics of one batch, in the target's units for regression. An autoencoder's target
        is its input."""
        if mode == "input":
            p, target = p.reshape(len(p), -1), xb.reshape(len(xb), -1)
        else:
            target = batch_targets(yb, mode, units)
        return [loss_fn(plan["loss"], p, target)] + [metric_fn(m, mode, p, target) for m in plan["metrics"]]

    def all_reduce(values):
        """Sums over the processes (DDP): every process then reports the same averaged metrics."""
        t = torch.tensor(values, dtype=torch.float64, device=device if device.type == "cuda" else "cpu")
        if ddp:
            dist.all_reduce(t)
        return t.tolist()

    for epoch in range(start_epoch + 1, epochs + 1):
        t0 = time.time()
        # The training rows in dlmodel's order for this epoch (shuffled with the seed, as src/engine/train.ts
        # does), then DistributedSampler gives each process its share (with one process: all of them).
        if pseudo and round_of_epoch(epoch, per_round) > pstate["round"]:
            # A new round: predict the unlabelled rows and adopt the confident ones (each round afresh).
            rnd = round_of_epoch(epoch, per_round)
            adopted = adopt_confident(net, x, unlabelled, pseudo["threshold"])
            after = {"round": rnd, "adopted": adopted,
                     "rounds": [r for r in pstate["rounds"] if r["round"] < rnd] + [{"round": rnd, "adopted": len(adopted)}]}
            apply_adoption(y, pstate, after)
            pstate = after
            run["rounds"] = [dict(r, unlabelled=len(unlabelled)) for r in after["rounds"]]
            if writer:
                events.say("round %d: adopted %d of %d unlabelled rows (confidence >= %s)" % (rnd, len(adopted), len(unlabelled), pseudo["threshold"]))
                events.emit({"type": "round", "round": rnd, "adopted": len(adopted), "unlabelled": len(unlabelled)})
        # The rows of this epoch: the labelled training rows, then (pseudo-labels) the adopted ones.
        base_rows = train_rows.tolist() + [a["row"] for a in pstate["adopted"]]
        epoch_rows = shuffled(base_rows, seed + epoch * 7919) if plan["shuffle"] else base_rows
        sampler = torch.utils.data.distributed.DistributedSampler(epoch_rows, num_replicas=world, rank=rank, shuffle=False)
        order = torch.tensor([epoch_rows[i] for i in sampler], dtype=torch.long).to(device)
        batches = math.ceil(len(order) / batch_size)
        model.train()
        sums = [0.0] * len(names)
        seen = 0
        for bi in range(batches):
            rows = order[bi * batch_size:(bi + 1) * batch_size]
            xb, yb = x[rows], y[rows]
            p = model(xb)
            values = measure(p, xb, yb)
            optimizer.zero_grad()
            values[0].backward()
            optimizer.step()
            b = len(rows)
            values = [v.item() for v in values]
            if not math.isfinite(values[0]):
                raise FloatingPointError("Training diverged at epoch %d, batch %d: the loss became %s. Try a lower "
                                         "learning rate (now %s) or normalize the inputs (data.normalize \"standard\")."
                                         % (epoch, bi + 1, values[0], plan["optimizer"]["learningRate"]))
            for i, v in enumerate(values):
                sums[i] += v * b
            seen += b
            now = time.time()
            if events.enabled and now - last_progress >= args.progress_every:
                last_progress = now
                metrics = {n: sums[i] / seen * scale.get(n, 1) for i, n in enumerate(names) if i > 0}
                events.emit({"type": "batch", "epoch": epoch, "batch": bi + 1, "batchesPerEpoch": batches,
                             "loss": sums[0] / seen * scale.get("loss", 1), "metrics": metrics})
            if events.enabled and now - last_weights >= 0.5:
                last_weights = now
                events.emit(live_weights(net, plan, epoch, bi + 1))
            if events.stop_requested:
                stopped = True
                break
        if stopped:
            break

        # ---- end of epoch: metrics over all processes, validation, checkpoint, metrics line, run.json ----
        totals = all_reduce(sums + [seen])
        record = {"epoch": epoch}
        if pseudo:
            record["round"] = round_of_epoch(epoch, per_round)
        for i, n in enumerate(names):
            record[n] = totals[i] / totals[-1] * scale.get(n, 1)
        if len(val_rows):
            model.eval()
            mine = val_rows[rank::world]
            vsums = [0.0] * len(names)
            with torch.no_grad():
                step = max(batch_size, 256)
                for s in range(0, len(mine), step):
                    rows = mine[s:s + step].to(device)
                    for i, v in enumerate(measure(net(x[rows]), x[rows], y[rows])):
                        vsums[i] += v.item() * len(rows)
            vt = all_reduce(vsums + [len(mine)])
            for i, n in enumerate(names):
                record["val_" + n] = vt[i] / vt[-1] * scale.get(n, 1)
            if not math.isfinite(record["val_loss"]):
                raise FloatingPointError("Training diverged at epoch %d, the validation loss became %s. Try a lower "
                                         "learning rate (now %s)." % (epoch, record["val_loss"], plan["optimizer"]["learningRate"]))
        record["ms"] = int((time.time() - t0) * 1000)
        times.append(record["ms"])
        stop_now = False
        if es and monitor in record:
            wait += 1
            current = record[monitor]
            improved = best is None or (current - es["minDelta"] > best if maximize else current + es["minDelta"] < best)
            if improved:
                best, wait = current, 0
                if es.get("restoreBestWeights"):
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            stop_now = wait >= es["patience"]
        epochs_done, last_record = epoch, record
        run["epochsDone"] = epoch
        run["finalMetrics"] = {k: v for k, v in record.items() if k not in ("epoch", "ms", "round")}
        if ae and writer and events.enabled:
            # The code space as it moves, for the dashboard: the same sample of rows each epoch.
            events.emit({"type": "codes", "epoch": epoch, "points": live_codes(net, x, code_index, rows_info, ae["liveCodeRows"])})
        if writer:
            # The checkpoint first, then the metrics line (on disk), then run.json: as dlmodel's own trainer.
            ckpt_dir = os.path.join(run_dir, "checkpoint")
            os.makedirs(ckpt_dir, exist_ok=True)
            tmp = os.path.join(ckpt_dir, "torch.pt.%d.tmp" % os.getpid())
            state = {"epoch": epoch, "seed": seed, "best": best, "wait": wait}
            if pseudo:
                state["pseudo"] = pstate  # a resumed run trains on the same adopted rows
            torch.save(dict(state, model=net.state_dict(), optimizer=optimizer.state_dict()), tmp)
            os.replace(tmp, os.path.join(ckpt_dir, "torch.pt"))
            write_json_atomic(os.path.join(ckpt_dir, "state.json"), dict(state, record=record))
            with open(metrics_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, separators=(",", ":")) + "\n")
                f.flush()
                os.fsync(f.fileno())
            write_json_atomic(os.path.join(run_dir, "run.json"), run)
            avg = sum(times) / len(times)
            events.emit({"type": "epoch", "record": record, "epochs": epochs, "etaMs": int(avg * (epochs - epoch))})
            if not args.events:
                print("epoch %d/%d  %s  (%.1fs)" % (epoch, epochs, "  ".join("%s %.4f" % (k, v) for k, v in record.items()
                                                                             if k not in ("epoch", "ms", "round")), record["ms"] / 1000), flush=True)
        if stop_now:
            if best_state is not None:
                net.load_state_dict(best_state)  # the saved model is the best epoch's (restoreBestWeights)
            if writer:
                events.say("early stopping after epoch %d: %s did not improve for %d epochs (best %s)" % (epoch, monitor, es["patience"], best))
            break
        if events.stop_requested:
            stopped = True
            break

    # ---- the end: model/ (TensorFlow.js format), predictions.json, run.json ----
    status = "stopped" if stopped else "completed"
    if writer:
        ckpt = os.path.join(run_dir, "checkpoint", "torch.pt")
        if os.path.exists(ckpt):
            # After a stop mid-epoch the weights in memory are half an epoch ahead: use the saved ones.
            if stopped:
                net.load_state_dict(torch.load(ckpt, map_location=device)["model"])
            replace_dir(os.path.join(run_dir, "model"), lambda tmp: save_tfjs_model(net, topology, tmp))
            events.emit(live_weights(net, plan, epochs_done, None))
            if ae:
                predictions = write_autoencoder_results(net, plan, preprocess, x, split, predict_x.to(device), examples,
                                                        rows_info, run, run_dir, code_index, seed, events)
            else:
                predictions = write_predictions(net, plan, preprocess, x, val_rows, predict_x.to(device), examples, run, run_dir)
            shown = predictions["predict"] if predictions["predict"] else predictions["validation"][:50]
            events.emit({"type": "predictions", "runDir": run_dir, "predictions": shown, "classNames": preprocess.get("classNames")})
        run.update({"status": status, "epochsDone": epochs_done, "endedAt": now_iso(),
                    "finalMetrics": {k: v for k, v in (last_record or {}).items() if k not in ("epoch", "ms", "round")}})
        run.pop("pid", None)
        write_json_atomic(os.path.join(run_dir, "run.json"), run, sync=True)
        finished = {"type": "finished", "status": status, "runDir": run_dir, "epochsDone": epochs_done, "metrics": run["finalMetrics"]}
        if pseudo:
            finished["rounds"] = [{"round": r["round"], "adopted": r["adopted"]} for r in pstate["rounds"]]
        events.emit(finished)
        if not args.events:
            print("%s: %d epochs. Model saved in %s" % (status, epochs_done, os.path.join(run_dir, "model")), flush=True)
    if ddp:
        dist.barrier()
        # Everything is on disk. Tearing DDP down (here or at the interpreter's exit) can deadlock with gloo
        # on PyTorch 1.13: the reducer's process group joins a worker thread that waits for the GIL the
        # tearing-down thread holds. So each process leaves at once, as torchrun expects, with exit code 0.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def decode_output(pre, values):
    """The model's output for one example in the user's terms (as dlmodel's decodeOutput)."""
    enc = pre.get("targetText")
    if enc:
        # A softmax over the target's ids at each position: the likeliest id at each, decoded up to the first
        # padding (0); id 1 is an unknown token, id k >= 2 the vocabulary's token k - 2.
        positions = enc["maxLength"]
        width = len(values) // positions
        ids = [max(range(width), key=lambda k: values[p * width + k]) for p in range(positions)]
        parts = []
        for i in ids:
            if i == 0:
                break
            parts.append(enc["vocabulary"][i - 2] if 2 <= i < len(enc["vocabulary"]) + 2 else "<unk>")
        text = ("" if enc["tokens"] == "characters" else " ").join(parts)
        # Confidence: the probability of the whole decoded text, position by position (its end included).
        used = min(positions, len(text) + (1 if enc["tokens"] == "characters" else 0))
        confidence = 1.0
        for k in range(min(positions, max(used, 1))):
            confidence *= values[k * width + ids[k]]
        return {"output": text, "confidence": confidence}
    if pre["task"] == "classification":
        names = pre.get("classNames") or []
        probs = [1 - values[0], values[0]] if len(values) == 1 else list(values)
        best = max(range(len(probs)), key=lambda j: probs[j])
        return {"output": probs, "label": names[best] if best < len(names) else str(best), "confidence": probs[best]}
    s = pre.get("targetScale")
    return {"output": [v * s["std"][j] + s["mean"][j] for j, v in enumerate(values)] if s else list(values)}


def write_predictions(net, plan, pre, x, val_rows, predict_x, examples, run, run_dir):
    net.eval()
    with torch.no_grad():
        rows = val_rows[:len(examples["validation"])].to(x.device)
        val_out = net(x[rows]).reshape(len(rows), -1).cpu().tolist() if len(rows) else []
        pred_out = net(predict_x).reshape(len(predict_x), -1).cpu().tolist() if len(predict_x) else []
    validation = [dict(input=e["input"], expected=e["expected"], **decode_output(pre, o)) for e, o in zip(examples["validation"], val_out)]
    predict = [dict(input=e["input"], **decode_output(pre, o)) for e, o in zip(examples["predict"], pred_out)]
    result = {"runId": run["id"], "validation": validation, "predict": predict}
    write_json_atomic(os.path.join(run_dir, "predictions.json"), result)
    return result


# ---------------------------------------------------------------------------------------------------------
# Pseudo-labels (semi-supervised): as src/common/pseudo-labels.ts
# ---------------------------------------------------------------------------------------------------------
def round_of_epoch(epoch, per_round):
    """The round an epoch (1-based, numbered across rounds) belongs to; round 0 is the first fit."""
    return (epoch - 1) // max(1, per_round)


def adopt_confident(net, x, unlabelled, threshold):
    """The unlabelled rows the model now predicts with at least `threshold` confidence: (row, class, confidence)."""
    net.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(unlabelled), 1024):
            rows = unlabelled[s:s + 1024]
            p = net(x[rows.to(x.device)]).reshape(len(rows), -1).double().cpu()
            if p.shape[1] == 1:  # one sigmoid unit: the probability of class 1
                cls = (p[:, 0] >= 0.5).long()
                conf = torch.where(cls == 1, p[:, 0], 1 - p[:, 0])
            else:
                conf, cls = p.max(dim=1)
            for r, c, k in zip(rows.tolist(), cls.tolist(), conf.tolist()):
                if k >= threshold:
                    out.append({"row": r, "cls": c, "confidence": k})
    return out


def apply_adoption(y, before, after):
    """Adopted rows get their pseudo-label as target; rows no longer adopted are unlabelled again (-1)."""
    for a in before["adopted"]:
        y[a["row"]] = -1
    for a in after["adopted"]:
        y[a["row"]] = a["cls"]


# ---------------------------------------------------------------------------------------------------------
# Autoencoders: codes, k-means clusters and the codes in 2-D, as src/engine/autoencoder.ts and
# src/common/{kmeans,pca,clusters}.ts compute them (float64, the same seeded k-means++)
# ---------------------------------------------------------------------------------------------------------
def encode_rows(net, x, code_index, rows=None):
    """Each row's code (the code layer's output), reconstruction and reconstruction error (mean squared
    difference with its prepared input)."""
    net.eval()
    n = x.shape[0] if rows is None else len(rows)
    codes, recon, errors = [], [], []
    with torch.no_grad():
        for s in range(0, n, 512):
            xb = x[s:s + 512] if rows is None else x[rows[s:s + 512].to(x.device)]
            flat = xb.reshape(len(xb), -1)
            codes.append(net(xb, upto=code_index).reshape(len(xb), -1).float().cpu())
            r = net(xb).reshape(len(xb), -1)
            recon.append(r.float().cpu())
            errors.append(((r - flat) ** 2).mean(dim=1).float().cpu())
    if not codes:
        return torch.zeros(0, 1), torch.zeros(0, x[0].numel()), torch.zeros(0)
    return torch.cat(codes), torch.cat(recon), torch.cat(errors)


def kmeans(points, k, seed, max_iterations=300):
    """k-means++ seeding with dlmodel's generator, then Lloyd's iterations until no point moves
    (src/common/kmeans.ts). `points`: n x dims, float64. An emptied cluster keeps its centre."""
    n, dims = points.shape
    rand = mulberry32(seed ^ 0x6B6D)
    centres = torch.zeros(k, dims, dtype=torch.float64)
    centres[0] = points[int(rand() * n)]
    nearest = ((points - centres[0]) ** 2).sum(dim=1)
    for c in range(1, k):
        total = nearest.sum().item()
        pick = n - 1
        if total > 0:
            r = rand() * total
            above = (torch.cumsum(nearest, 0) > r).nonzero()
            if len(above):
                pick = int(above[0])
        else:
            pick = int(rand() * n)
        centres[c] = points[pick]
        nearest = torch.minimum(nearest, ((points - centres[c]) ** 2).sum(dim=1))
    assign = torch.full((n,), -1, dtype=torch.long)
    for _ in range(max_iterations):
        best = nearest_centroids(points, centres)
        changed = int((best != assign).sum())
        assign = best
        if changed == 0:
            break
        counts = torch.bincount(assign, minlength=k)
        sums = torch.zeros(k, dims, dtype=torch.float64).index_add_(0, assign, points)
        keep = counts > 0
        centres[keep] = sums[keep] / counts[keep].unsqueeze(1).double()
    return centres, assign


def nearest_centroids(points, centres):
    """The nearest centre of each point (ties to the lower index), one centre at a time to keep memory n x dims."""
    d = torch.stack([((points - c) ** 2).sum(dim=1) for c in centres], dim=1)
    return d.argmin(dim=1)


def to_2d(points):
    """Codes as [x, y]: as they are with one or two values, else their first two principal components
    (power iteration on the covariance, a fixed start, each component's largest entry positive: src/common/pca.ts)."""
    points = points.double()
    n, d = points.shape
    if d in (1, 2):
        return [[p[0], p[1] if d == 2 else 0.0] for p in points.tolist()]
    mean = points.sum(dim=0) / max(1, n)
    centred = points - mean
    cov = centred.t() @ centred / max(1, n - 1)
    components = []
    for _ in range(min(2, d)):
        v = torch.tensor([1 / math.sqrt(d) + (1e-3 if j % 2 else -1e-3) * (j + 1) for j in range(d)], dtype=torch.float64)
        lam = 0.0
        for _ in range(200):
            w = cov @ v
            norm = float(w.norm())
            if norm < 1e-300:
                lam = 0.0
                break
            w = w / norm
            delta = float((w - v).abs().sum())
            v, lam = w, norm
            if delta < 1e-12:
                break
        if norm >= 1e-300 and v[int(v.abs().argmax())] < 0:
            v = -v
        components.append(v)
        cov = cov - lam * torch.outer(v, v)
    xy = centred @ torch.stack(components, dim=1)
    return xy.tolist()


def cluster_report(assign, labels, k, label_names):
    """Each cluster's purity (share of its rows with its most common label) and the cluster-by-label table."""
    names = list(label_names) if label_names else sorted(set(labels))
    index = {l: i for i, l in enumerate(names)}
    table = [[0] * len(names) for _ in range(k)]
    for c, l in zip(assign, labels):
        if l not in index:
            index[l] = len(names)
            names.append(l)
            for row in table:
                row.append(0)
        table[c][index[l]] += 1
    agree, clusters = 0, []
    for c, row in enumerate(table):
        size = sum(row)
        if size == 0:
            clusters.append({"cluster": c, "size": 0, "purity": 0})
            continue
        best = max(range(len(row)), key=lambda j: (row[j], -j))
        agree += row[best]
        clusters.append({"cluster": c, "size": size, "majority": names[best], "purity": row[best] / size})
    return {"labels": names, "table": table, "clusters": clusters, "purity": agree / len(assign) if len(assign) else 0}


def denormalize(pre, values):
    """Prepared (normalized) values back in the input's own units."""
    norm = pre["normalization"]
    if norm["kind"] == "none" or not norm["a"]:
        return list(values)
    a, b = norm["a"], norm["b"]
    if norm["kind"] == "standard":
        return [v * b[j] + a[j] for j, v in enumerate(values)]
    return [v * (b[j] - a[j]) + a[j] for j, v in enumerate(values)]


def live_codes(net, x, code_index, rows_info, limit):
    """The `codes` event's points: a fixed sample of rows (the same every epoch), their codes in 2-D."""
    n = x.shape[0]
    step = max(1, math.ceil(n / limit))
    rows = torch.arange(0, n, step)
    codes, _, errors = encode_rows(net, x, code_index, rows)
    labels = rows_info.get("labels")
    points = []
    for (px, py), r, e in zip(to_2d(codes), rows.tolist(), errors.tolist()):
        p = {"row": r, "x": px, "y": py, "error": e, "input": rows_info["inputs"][r]}
        if labels and labels[r] is not None:
            p["label"] = labels[r]
        points.append(p)
    return points


def write_autoencoder_results(net, plan, pre, x, split, predict_x, examples, rows_info, run, run_dir, code_index, seed, events):
    """autoencoder.json (codes in 2-D, clusters, purity, examples, the most unusual rows) and predictions.json."""
    ae_plan = plan["autoencoder"]
    n = x.shape[0]
    codes, recon, errors = encode_rows(net, x, code_index)
    codes64 = codes.double()
    train, validation = split["train"], split["validation"]
    labels = rows_info.get("labels")
    errs = errors.tolist()
    clusters = assign = None
    if ae_plan.get("clusters") is not None and len(train):
        k = min(ae_plan["clusters"], len(train))
        centres, _ = kmeans(codes64[torch.tensor(train, dtype=torch.long)], k, seed)
        assign = nearest_centroids(codes64, centres).tolist()
        clusters = {"k": k, "centroids": centres.tolist(), "seed": seed}
    xy = to_2d(codes)
    train_set = set(train)
    points = []
    for row, (px, py) in enumerate(xy):
        p = {"row": row, "x": px, "y": py, "error": errs[row], "split": "train" if row in train_set else "validation",
             "input": rows_info["inputs"][row]}
        if assign is not None:
            p["cluster"] = assign[row]
        if labels and labels[row] is not None:
            p["label"] = labels[row]
        points.append(p)
    flat_x = x.reshape(n, -1).float().cpu()

    def side(row):
        r = {"row": row, "input": rows_info["inputs"][row], "error": errs[row],
             "original": denormalize(pre, flat_x[row].tolist()), "reconstruction": denormalize(pre, recon[row].tolist())}
        if assign is not None:
            r["cluster"] = assign[row]
        if labels and labels[row] is not None:
            r["label"] = labels[row]
        return r

    by_error = sorted(range(n), key=lambda i: -errs[i])
    shown = validation if len(validation) else train
    result = {"runId": run["id"], "codeLayer": ae_plan["codeLayer"], "codeSize": codes.shape[1],
              "projection": "pca" if codes.shape[1] > 2 else "identity", "points": points,
              "inputNames": pre.get("inputNames", []), "examples": [side(r) for r in shown[:6]],
              "unusual": [side(r) for r in by_error[:20]]}
    if pre.get("image"):
        result["image"] = pre["image"]
    if clusters:
        result["clusters"] = clusters
    if assign is not None and labels:
        known = [(assign[i], l) for i, l in enumerate(labels) if l is not None]
        if known:
            result["report"] = cluster_report([c for c, _ in known], [l for _, l in known], clusters["k"], rows_info.get("labelNames"))
    write_json_atomic(os.path.join(run_dir, "autoencoder.json"), result)
    if "report" in result:
        events.say("%d clusters, purity %.1f%% against the labels" % (clusters["k"], result["report"]["purity"] * 100))

    def prediction(inp, code, rec, err):
        p = {"input": inp, "output": denormalize(pre, rec), "code": code, "reconstructionError": err}
        if clusters:
            p["cluster"] = int(nearest_centroids(torch.tensor([code], dtype=torch.float64), torch.tensor(clusters["centroids"], dtype=torch.float64))[0])
        return p

    val_out = []
    for row in shown[:VALIDATION_PREDICTIONS_LIMIT]:
        p = prediction(rows_info["inputs"][row], codes[row].tolist(), recon[row].tolist(), errs[row])
        if labels and labels[row] is not None:
            p["expected"] = labels[row]
        val_out.append(p)
    predict = []
    if len(predict_x):
        pc, pr, pe = encode_rows(net, predict_x, code_index)
        predict = [prediction(e["input"], c, r, er) for e, c, r, er in zip(examples["predict"], pc.tolist(), pr.tolist(), pe.tolist())]
    out = {"runId": run["id"], "validation": val_out, "predict": predict}
    write_json_atomic(os.path.join(run_dir, "predictions.json"), out)
    return out


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # noqa: BLE001 - one readable line for dlmodel, the traceback only when asked
        if os.environ.get("DLMODEL_DEBUG"):
            import traceback
            traceback.print_exc()
        message = "%s: %s" % (type(err).__name__, err)
        if CURRENT:
            failed = dict(CURRENT["run"], status="failed", error=str(err) if isinstance(err, FloatingPointError) else message, endedAt=now_iso())
            failed.pop("pid", None)
            try:
                write_json_atomic(os.path.join(CURRENT["run_dir"], "run.json"), failed, sync=True)
            except OSError:
                pass
        if "--events" in sys.argv:
            reason = "diverged" if isinstance(err, FloatingPointError) else "oom" if "out of memory" in str(err).lower() else "crash"
            sys.stdout.write(json.dumps({"type": "failed", "reason": reason, "runDir": CURRENT.get("run_dir"),
                                         "message": str(err) if reason == "diverged" else message}) + "\n")
            sys.stdout.flush()
        else:
            sys.stderr.write("train.py failed: %s\n" % message)
        sys.exit(1)
