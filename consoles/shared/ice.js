/** WebRTC helpers the consoles share (listen-in, whisper/barge-in on both pages). */

const ICE_GATHER_MS = 2000;

/** Resolves when the connection's ICE candidates are gathered, or after ICE_GATHER_MS (what is gathered by then is enough on a LAN). */
export function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ICE_GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); } });
  });
}
