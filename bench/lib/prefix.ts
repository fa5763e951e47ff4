/**
 * The ifIndex → prefix mapping that every implementation under test applies: ifIndex i →
 * 10.<i>>16>.<i>>8>.<i>/32 (i < 2^24). A module of its own so that the bare Thrift client
 * (bare-thrift.ts), which Node-RED loads for the bench's "Node-RED's floor" row, does not load the
 * simulator as events.ts does.
 */
export function prefixOf(ifIndex: number, firstOctet = 10): string {
  return `${firstOctet}.${(ifIndex >> 16) & 255}.${(ifIndex >> 8) & 255}.${ifIndex & 255}/32`;
}
