#!/usr/bin/python3
"""Writes examples/conv-resnet.network.json, a tiny conv ResNet in the network format (issue 14), and
test/fixtures/conv/conv-resnet-example.records.json, torch's outputs on two fixed inputs
(test/unit/network-conv.test.ts checks Depth Lens against them).

    /usr/bin/python3 scripts/make-conv-example.py

Stem conv 3→4 (3×3, padding 1) + BatchNorm + ReLU, two identity BasicBlocks (conv-BN-ReLU-conv-BN,
ReLU after the sum), global average pool, flatten, linear 4→3, on 3×8×8 images. Weights are drawn with
a fixed seed and rounded to 3 decimals (so the file stays a few KB); torch runs the rounded weights in
float64, eval mode (BatchNorm uses its running statistics, folded by Depth Lens at load).
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(2026)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.layer1 = nn.Sequential(Block(4), Block(4))
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


net = Net().double().eval()
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    for p in list(net.parameters()) + list(net.buffers()):
        if p.dtype == torch.float64:
            p.copy_(torch.round(p * 1000) / 1000)


def values(t):
    return t.detach().tolist()


def conv(name, m, activation=None):
    e = {'type': 'conv2d', 'name': name, 'weights': values(m.weight), 'padding': m.padding[0]}
    if activation:
        e['activation'] = activation
    return e


def bn(name, m, activation=None):
    e = {'type': 'batchnorm2d', 'name': name, 'weight': values(m.weight), 'bias': values(m.bias),
         'runningMean': values(m.running_mean), 'runningVar': values(m.running_var), 'eps': m.eps}
    if activation:
        e['activation'] = activation
    return e


layers = [conv('conv1', net.conv1, 'linear'), bn('bn1', net.bn1, 'relu')]
for i, b in enumerate(net.layer1):
    p = f'layer1.{i}'
    layers.append({'type': 'residual', 'name': p, 'activation': 'relu', 'layers': [
        conv(f'{p}.conv1', b.conv1), bn(f'{p}.bn1', b.bn1), conv(f'{p}.conv2', b.conv2), bn(f'{p}.bn2', b.bn2)]})
layers += [{'type': 'global-avgpool2d', 'name': 'avgpool'}, {'type': 'flatten', 'name': 'flatten'},
           {'type': 'dense', 'name': 'fc', 'weights': values(net.fc.weight), 'bias': values(net.fc.bias), 'activation': 'linear'}]
doc = {
    'format': 'depth-lens/network@1',
    'name': 'tiny conv ResNet',
    'description': 'Written by scripts/make-conv-example.py (torch, seed 2026): stem conv + BatchNorm, two identity BasicBlocks, global average pool, linear head; BatchNorm is folded into the conv before it at load.',
    'input': {'shape': [3, 8, 8]},
    'layers': layers,
}


def compact(o, indent=0):
    """JSON with one line per layer entry field: nested number arrays stay on one line."""
    pad = '  ' * indent
    if isinstance(o, dict):
        items = [f'{pad}  {json.dumps(k)}: {compact(v, indent + 1).lstrip()}' for k, v in o.items()]
        return pad + '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(o, list) and o and isinstance(o[0], dict):
        return pad + '[\n' + ',\n'.join(compact(v, indent + 1) for v in o) + '\n' + pad + ']'
    return pad + json.dumps(o, separators=(', ', ': '))


with open(os.path.join(ROOT, 'examples', 'conv-resnet.network.json'), 'w') as f:
    f.write(compact(doc) + '\n')

# two inputs on [−1, 1): fixed, rounded like the weights
g = torch.Generator().manual_seed(7)
x = torch.round((torch.rand(2, 3, 8, 8, generator=g, dtype=torch.float64) * 2 - 1) * 1000) / 1000
with torch.no_grad():
    y = net(x)
with open(os.path.join(ROOT, 'test', 'fixtures', 'conv', 'conv-resnet-example.records.json'), 'w') as f:
    json.dump({'generator': 'scripts/make-conv-example.py', 'torch': torch.__version__, 'input': values(x), 'output': values(y)}, f)
    f.write('\n')
