import { foldEnumNegations } from '../../src/search/enum-negations';
import { AuditSource } from '../../src/events/enums';
import { parseSearch } from '../../src/search/parse';

const values = (search: string) => {
  const folded = foldEnumNegations(parseSearch(search).terms);
  return (
    folded &&
    folded.map((term) => (term.kind === 'value' ? `${term.negated ? '-' : ''}${term.key}:${term.value}` : term.kind))
  );
};

describe('foldEnumNegations', () => {
  it('turns negations of an enumerated key into the values they leave', () => {
    expect(values('-source:UI -source:API')).toEqual(
      Object.values(AuditSource)
        .filter((source) => source !== 'UI' && source !== 'API')
        .map((source) => `source:${source}`),
    );
  });

  it('takes the negations from the positive values of the same key', () => {
    expect(values('action:CREATE action:VIEW -action:view')).toEqual(['action:CREATE']);
  });

  it('answers null when no value is left', () => {
    expect(values('source:UI -source:UI')).toBeNull();
  });

  it('leaves other keys and their negations alone', () => {
    expect(values('-role:ADMIN user:ann -category:SECURITY')).toEqual(
      expect.arrayContaining(['-role:ADMIN', 'user:ann', 'category:RECORD_CHANGE']),
    );
    expect(values('-role:ADMIN user:ann')).toEqual(['-role:ADMIN', 'user:ann']);
  });
});
