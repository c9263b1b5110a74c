/**
 * GeoIP and ASN for external addresses, from MaxMind-format databases
 * (GeoLite2/GeoIP2 City or Country, GeoLite2 ASN, or any mmdb with the same
 * record layout). The files are watched and reloaded when replaced, so
 * geoipupdate can refresh them under a running enricher.
 */
import maxmind, { type AsnResponse, type CityResponse, type Reader } from 'maxmind';

export interface GeoInfo {
  geo_country: string | null;
  geo_city: string | null;
  asn: number | null;
  asn_org: string | null;
  geo_latitude: number | null;
  geo_longitude: number | null;
}

export const NO_GEO: GeoInfo = Object.freeze({ geo_country: null, geo_city: null, asn: null, asn_org: null, geo_latitude: null, geo_longitude: null });

export interface GeoLookup {
  lookup(ip: string): GeoInfo;
}

export interface GeoDatabases {
  /** City or Country database. */
  geoipDb?: string | undefined;
  asnDb?: string | undefined;
}

/** Opens the configured databases; null when none is configured. */
export async function openGeoLookup(databases: GeoDatabases): Promise<GeoLookup | null> {
  if (!databases.geoipDb && !databases.asnDb) return null;
  // Non-persistent watching: the watcher must not keep a stopping process alive.
  const options = { watchForUpdates: true, watchForUpdatesNonPersistent: true };
  const [geo, asn] = await Promise.all([
    databases.geoipDb ? maxmind.open<CityResponse>(databases.geoipDb, options) : null,
    databases.asnDb ? maxmind.open<AsnResponse>(databases.asnDb, options) : null,
  ]);
  return new MaxmindGeoLookup(geo, asn);
}

export class MaxmindGeoLookup implements GeoLookup {
  constructor(
    private readonly geo: Reader<CityResponse> | null,
    private readonly asn: Reader<AsnResponse> | null,
  ) {}

  lookup(ip: string): GeoInfo {
    if (!maxmind.validate(ip)) return NO_GEO;
    const place = safeGet(this.geo, ip);
    const as = safeGet(this.asn, ip);
    return {
      geo_country: place?.country?.iso_code ?? place?.registered_country?.iso_code ?? null,
      geo_city: place?.city?.names?.en ?? null,
      asn: as?.autonomous_system_number ?? null,
      asn_org: as?.autonomous_system_organization ?? null,
      geo_latitude: place?.location?.latitude ?? null,
      geo_longitude: place?.location?.longitude ?? null,
    };
  }
}

/** An IPv6 address against an IPv4-only database throws: that is "no data", not a failure. */
function safeGet<T extends CityResponse | AsnResponse>(reader: Reader<T> | null, ip: string): T | null {
  try {
    return reader?.get(ip) ?? null;
  } catch {
    return null;
  }
}
