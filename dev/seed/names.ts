/** Fictional people and companies for the demo tenant's leads. */
const list = (text: string) => text.split(',').map((item) => item.trim());

export const FIRST_NAMES = list(
  'Aisha, Ben, Carla, Daniel, Elena, Farid, Grace, Hiro, Ines, Jonas, Kara, Liam, Maya, Noah, Olga, Pablo, Quinn, ' +
    'Rosa, Samir, Tara, Umar, Vera, Wes, Xiu, Yara, Zane',
);

export const LAST_NAMES = list(
  'Adams, Becker, Costa, Dubois, Evans, Fischer, Garcia, Hughes, Ivanova, Jensen, Kowalski, Larsen, Moreau, ' +
    'Nakamura, Okafor, Patel, Quinn, Rossi, Santos, Tanaka, Usman, Varga, Weber, Young, Zhang',
);

export const COMPANIES = list(
  'Abbott Logistics, Brightline Health, Cobalt Analytics, Delta Fresh Foods, Evergreen Realty, Fairview Insurance, ' +
    'Granite Manufacturing, Harbor Freight Lines, Ironclad Security, Juniper Learning, Keystone Dental, Lumen Energy, ' +
    'Meridian Travel, Northwind Traders, Orchid Pharma, Pioneer Robotics, Quarry Stone Works, Redwood Capital, ' +
    'Summit Outdoor, Tidewater Marine, Union Textiles, Vantage Media, Willow Care Homes, Xenon Labs, ' +
    'Yellowpine Timber, Zenith Telecom, Atlas Couriers, Beacon Legal, Cedar Hospitality, Driftwood Games',
);

export const INDUSTRIES = list('Healthcare, Manufacturing, Finance, Retail, Logistics, Technology, Education');
export const TITLES = list('CTO, Head of Operations, IT Manager, Procurement Lead, VP Sales, Office Manager, CFO');
export const LEAD_SOURCES = list('Web, Trade Show, Referral, Webinar, Partner, Cold Call');
export const UNQUALIFIED_REASONS = list('No budget, Bad timing, Competitor chosen, Not a decision maker, Duplicate');
