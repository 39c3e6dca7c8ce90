import type { GeoLocationInput } from '../../src/events/audit-event.input';

/** Where someone signs in from: a location and the address seen there (documentation ranges only). */
export interface Place {
  location: GeoLocationInput;
  ip: string;
  /** Their working morning in UTC hours, when they sign in. */
  morning: [number, number];
}

export const USER_AGENTS = {
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  script: 'python-requests/2.31.0',
} as const;

const city = (
  country: string,
  region: string,
  name: string,
  latitude: number,
  longitude: number,
): GeoLocationInput => ({
  country,
  region,
  city: name,
  latitude,
  longitude,
});

export const PLACES = {
  london: { location: city('GB', 'England', 'London', 51.5074, -0.1278), ip: '203.0.113.10', morning: [8, 9.5] },
  berlin: { location: city('DE', 'Berlin', 'Berlin', 52.52, 13.405), ip: '203.0.113.40', morning: [8, 9] },
  lisbon: { location: city('PT', 'Lisbon', 'Lisbon', 38.7223, -9.1393), ip: '2001:db8:42::17', morning: [8.5, 10] },
  newYork: { location: city('US', 'New York', 'New York', 40.7128, -74.006), ip: '198.51.100.20', morning: [13, 14.5] },
  austin: { location: city('US', 'Texas', 'Austin', 30.2672, -97.7431), ip: '198.51.100.60', morning: [14, 15.5] },
  singapore: { location: city('SG', 'Singapore', 'Singapore', 1.3521, 103.8198), ip: '203.0.113.200', morning: [1, 2] },
  amsterdam: { location: city('NL', 'North Holland', 'Amsterdam', 52.3676, 4.9041), ip: '192.0.2.77', morning: [2, 3] },
} satisfies Record<string, Place>;
