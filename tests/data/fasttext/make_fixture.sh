#!/bin/sh
# Regenerates tiny.bin and tiny-vectors.txt with Debian's fastText CLI (0.9.2):
# a skip-gram model of 8 dims over 200 buckets, and the CLI's own vectors for its
# words and for unseen ones (non-ASCII included, to pin the hash's sign extension).
set -e
cd "$(dirname "$0")"
python3 -c '
import random
random.seed(0)
words = "the a cat dog café über naïve 日本 東京 runs running ran walker walking".split()
print("\n".join(" ".join(random.choice(words) for _ in range(12)) for _ in range(300)))
' > /tmp/pyw2v-tiny.txt
fasttext skipgram -input /tmp/pyw2v-tiny.txt -output /tmp/pyw2v-tiny -dim 5 -minn 2 -maxn 5 \
    -bucket 200 -epoch 2 -minCount 1 -thread 1 -seed 1 > /dev/null 2>&1
cp /tmp/pyw2v-tiny.bin tiny.bin
printf '%s\n' '</s>' the a cat dog café über naïve 日本 東京 runs running ran walker walking \
    cafés übermensch 日本語 walks x ab qwertyuiop \
    | fasttext print-word-vectors tiny.bin > tiny-vectors.txt
