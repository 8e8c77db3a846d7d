/**
 * Text from SIP headers as bytes. RFC 3261 says UTF-8, but trunk gateways and PBXs in China still send display
 * names in GBK (GB 18030's two-byte subset). Bytes that are valid UTF-8 are UTF-8; anything else is read as GB 18030
 * (a superset of GBK and GB 2312, so every byte sequence decodes), never as replacement characters.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030');

export function decodeSipText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return gb18030.decode(bytes);
  }
}
