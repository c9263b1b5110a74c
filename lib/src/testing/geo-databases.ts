/** Writes a tiny City and ASN database (MaxMind layout) to a temp folder for tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMmdb } from './mmdb-writer.js';

export interface GeoDatabaseFiles {
  geoipDb: string;
  asnDb: string;
}

export function writeGeoDatabases(): GeoDatabaseFiles {
  const dir = mkdtempSync(join(tmpdir(), 'flowmesh-geo-'));
  const geoipDb = join(dir, 'city.mmdb');
  const asnDb = join(dir, 'asn.mmdb');
  writeFileSync(geoipDb, buildMmdb({
    databaseType: 'GeoLite2-City',
    networks: [
      { cidr: '203.0.113.0/24', data: { country: { iso_code: 'NL', names: { en: 'Netherlands' } }, city: { names: { en: 'Amsterdam' } }, location: { latitude: 52.3676, longitude: 4.9041 } } },
      { cidr: '198.51.100.0/24', data: { country: { iso_code: 'US', names: { en: 'United States' } } } },
      { cidr: '2001:db8:1::/48', data: { country: { iso_code: 'JP' }, city: { names: { en: 'Tokyo' } } } },
    ],
  }));
  writeFileSync(asnDb, buildMmdb({
    databaseType: 'GeoLite2-ASN',
    networks: [{ cidr: '203.0.113.0/24', data: { autonomous_system_number: 64500, autonomous_system_organization: 'Example Transit' } }],
  }));
  return { geoipDb, asnDb };
}
