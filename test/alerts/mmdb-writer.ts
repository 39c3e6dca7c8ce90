/**
 * Writes a minimal MaxMind DB (format 2.0, IPv4, 24-bit records) mapping /N networks to City-like
 * records, so that the GeoIP tests read a real .mmdb file with the real reader.
 */
type Value = string | number | { [key: string]: Value } | Value[] | { uint: number; bytes: number };

function control(type: number, size: number): Buffer {
  if (size >= 29) throw new Error('sizes above 28 are not needed here');
  return type <= 7 ? Buffer.from([(type << 5) | size]) : Buffer.from([size, type - 7]);
}

function encode(value: Value): Buffer {
  if (typeof value === 'string') return Buffer.concat([control(2, Buffer.byteLength(value)), Buffer.from(value)]);
  if (typeof value === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(3, 8), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)]);
  if ('uint' in value && typeof value.uint === 'number') {
    const bytes = Buffer.alloc(value.bytes as number);
    bytes.writeUIntBE(value.uint, 0, value.bytes as number);
    return Buffer.concat([control(value.bytes === 2 ? 5 : 6, value.bytes as number), bytes]);
  }
  const entries = Object.entries(value);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([key, item]) => [encode(key), encode(item)])]);
}

interface TrieNode {
  children: [TrieNode | number | null, TrieNode | number | null];
  index?: number;
}

export function writeCityMmdb(
  networks: Array<{ cidr: string; city: string; latitude: number; longitude: number }>,
): Buffer {
  const root: TrieNode = { children: [null, null] };
  const records: Buffer[] = [];
  let dataSize = 0;
  for (const network of networks) {
    const [address, prefixText] = network.cidr.split('/');
    const bits = address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
    const data = encode({
      city: { names: { en: network.city } },
      location: { latitude: network.latitude, longitude: network.longitude },
    });
    const dataOffset = dataSize;
    records.push(data);
    dataSize += data.length;
    let node = root;
    const prefix = Number(prefixText);
    for (let depth = 0; depth < prefix; depth++) {
      const bit = Number((bits >> BigInt(31 - depth)) & 1n);
      if (depth === prefix - 1) node.children[bit] = -1 - dataOffset;
      else node = (node.children[bit] as TrieNode | null) ?? (node.children[bit] = { children: [null, null] });
    }
  }
  const nodes: TrieNode[] = [];
  const number = (node: TrieNode) => {
    node.index = nodes.push(node) - 1;
    node.children.forEach((child) => child && typeof child === 'object' && number(child));
  };
  number(root);
  const recordOf = (child: TrieNode | number | null) =>
    child === null ? nodes.length : typeof child === 'number' ? nodes.length + 16 + (-1 - child) : child.index!;
  const tree = Buffer.alloc(nodes.length * 6);
  nodes.forEach((node, i) => {
    tree.writeUIntBE(recordOf(node.children[0]), i * 6, 3);
    tree.writeUIntBE(recordOf(node.children[1]), i * 6 + 3, 3);
  });
  const metadata = encode({
    node_count: { uint: nodes.length, bytes: 4 },
    record_size: { uint: 24, bytes: 2 },
    ip_version: { uint: 4, bytes: 2 },
    database_type: 'GeoIP2-City',
    languages: ['en'],
    binary_format_major_version: { uint: 2, bytes: 2 },
    binary_format_minor_version: { uint: 0, bytes: 2 },
    build_epoch: { uint: Math.floor(Date.now() / 1000), bytes: 4 },
    description: { en: 'test' },
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...records,
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    metadata,
  ]);
}
