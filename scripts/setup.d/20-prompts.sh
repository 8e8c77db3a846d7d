#!/usr/bin/env bash
# Announcement prompts and queue/hold music (media/). Idempotent: a file that exists is never overwritten,
# so studio recordings dropped in place win. Prints one line only when it generated something.
#   media/prompts/zh-CN/<name>.wav   spoken from prompts.tsv with espeak-ng (Mandarin), 8 kHz mono 16-bit
#   media/music/queue.wav            a soft synthesised loop played between reassurance prompts
#   media/hold/hold-zh.wav           the hold prompt followed by the music, for a held caller
set -euo pipefail
cd "$(dirname "$0")/../.."
made=0
mkdir -p media/prompts/zh-CN media/music media/hold
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

while IFS=$'\t' read -r name text; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  out="media/prompts/zh-CN/$name.wav"
  [[ -s "$out" ]] && continue
  espeak-ng -v cmn -s 210 -w "$tmp/$name.wav" "$text"
  # 8 kHz for G.711; a little gain headroom; 0.3 s of silence on each side so nothing is clipped on a cut-in
  sox "$tmp/$name.wav" -r 8000 -c 1 -b 16 "$tmp/$name.8k.wav" gain -n -3 pad 0.3 0.3
  mv "$tmp/$name.8k.wav" "$out"
  made=$((made + 1))
done < media/prompts/zh-CN/prompts.tsv

music=media/music/queue.wav
if [[ ! -s "$music" ]]; then
  # a slow pentatonic phrase (C D E G A), soft sine tones with fades: 16 notes of 0.6 s, about 10 s
  notes=(523 587 659 784 880 784 659 587 523 659 784 880 1047 880 784 659)
  parts=()
  for i in "${!notes[@]}"; do
    sox -n -r 8000 -c 1 -b 16 "$tmp/n$i.wav" synth 0.6 sine "${notes[$i]}" fade q 0.05 0.6 0.25 vol 0.25
    parts+=("$tmp/n$i.wav")
  done
  sox "${parts[@]}" "$music.part.wav"
  mv "$music.part.wav" "$music"
  made=$((made + 1))
fi

hold=media/hold/hold-zh.wav
if [[ ! -s "$hold" ]]; then
  sox media/prompts/zh-CN/hold.wav "$music" "$music" "$hold.part.wav"
  mv "$hold.part.wav" "$hold"
  made=$((made + 1))
fi

((made == 0)) || echo "generated $made prompt/music file(s) in media/"
