import { open, type CityResponse, type Reader } from 'maxmind';

export interface Place {
  latitude: number;
  longitude: number;
  label: string;
}

/** Locates IP addresses with a MaxMind City database (GEOIP_DB_PATH). */
export class GeoLocator {
  private constructor(private readonly reader: Reader<CityResponse>) {}

  /** @throws when the file is missing or not an MMDB database. */
  static async open(path: string): Promise<GeoLocator> {
    return new GeoLocator(await open<CityResponse>(path, { watchForUpdates: false }));
  }

  locate(ip: string | null): Place | null {
    if (!ip) return null;
    const found = this.reader.get(ip);
    const latitude = found?.location?.latitude;
    const longitude = found?.location?.longitude;
    if (typeof latitude !== 'number' || typeof longitude !== 'number') return null;
    const label = found?.city?.names?.en ?? found?.country?.names?.en ?? ip;
    return { latitude, longitude, label };
  }
}
