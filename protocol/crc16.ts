/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the low byte of each char. Check value: "123456789" -> 29b1. */
export function crc16(data: string): number {
  let crc = 0xffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= (data.charCodeAt(i) & 0xff) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function crc16Hex(data: string): string {
  const hex = crc16(data).toString(16);
  return '0000'.substr(hex.length) + hex;
}
