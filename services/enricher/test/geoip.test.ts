import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_GEO, openGeoLookup } from '../src/geo/geoip.js';
import { writeGeoDatabases } from '@flowmesh/lib/testing';

test('GeoIP and ASN come from MaxMind-format databases', async () => {
  const geo = await openGeoLookup(writeGeoDatabases());
  assert.ok(geo);
  assert.deepEqual(geo.lookup('203.0.113.80'), { geo_country: 'NL', geo_city: 'Amsterdam', asn: 64500, asn_org: 'Example Transit', geo_latitude: 52.3676, geo_longitude: 4.9041 });
  assert.deepEqual(geo.lookup('198.51.100.1'), { geo_country: 'US', geo_city: null, asn: null, asn_org: null, geo_latitude: null, geo_longitude: null });
  assert.deepEqual(geo.lookup('2001:db8:1::7'), { geo_country: 'JP', geo_city: 'Tokyo', asn: null, asn_org: null, geo_latitude: null, geo_longitude: null });
  assert.deepEqual(geo.lookup('8.8.8.8'), NO_GEO);
  assert.deepEqual(geo.lookup('not-an-ip'), NO_GEO);
});

test('no database configured means no GeoIP', async () => {
  assert.equal(await openGeoLookup({}), null);
});
