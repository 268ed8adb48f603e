// The CLI's argument parsing for the client commands, in process: field values and --url.
import { describe, expect, it } from 'vitest';
import { parseAssignments, parseFilters } from '../../src/cli/commands/records.js';
import { parseServerUrl } from '../../src/cli/client/http.js';

describe('records field arguments', () => {
  it('field=text is a string, field:=json is typed', () => {
    expect(parseAssignments(['name=Ada Lovelace', 'amount:=60000', 'vip:=true', 'owner:=null', 'tags:=["a"]', 'note=a=b', 'empty='])).toEqual({
      name: 'Ada Lovelace', amount: 60000, vip: true, owner: null, tags: ['a'], note: 'a=b', empty: '',
    });
  });

  it('a malformed argument is named', () => {
    expect(() => parseAssignments(['name'])).toThrow('"name": expected field=text or field:=json (for example name=Ada or amount:=60000)');
    expect(() => parseAssignments(['amount:=12,5'])).toThrow('"amount:=12,5": the value after := must be JSON');
    expect(() => parseAssignments(['1x=a'])).toThrow('"1x=a": expected field=text or field:=json');
  });
});

describe('records list filters', () => {
  it('field=value and field[op]=value become query parameters as they are', () => {
    expect(parseFilters(['stage=Proposal', 'amount[gte]=50000', 'note=a=b'])).toEqual({ stage: 'Proposal', 'amount[gte]': '50000', note: 'a=b' });
  });

  it('a list option given as a filter is named', () => {
    expect(() => parseFilters(['limit=5'])).toThrow('"limit=5": limit is an option of records list (--limit); filter a field named limit with --where');
    expect(() => parseFilters(['stage'])).toThrow('"stage": expected a filter field=value or field[op]=value');
  });
});

describe('--url', () => {
  it('takes an http(s) base URL and drops a trailing slash', () => {
    expect(parseServerUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(parseServerUrl('https://crm.example.com/switchyard/')).toBe('https://crm.example.com/switchyard');
  });

  it('refuses what it cannot use, without echoing credentials', () => {
    expect(() => parseServerUrl('ftp://127.0.0.1')).toThrow('--url: expected an http:// or https:// URL, got ftp:');
    expect(() => parseServerUrl('localhost:8080')).toThrow(/--url: expected an http/);
    expect(() => parseServerUrl('not a url')).toThrow('--url: "not a url" is not a URL');
    expect(() => parseServerUrl('http://127.0.0.1/?token=x')).toThrow('without a query or fragment');
    let message = '';
    try {
      parseServerUrl('http://me:s3cret@127.0.0.1');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('--url: put no credentials in the URL; pass the token with --token or SWITCHYARD_TOKEN');
  });
});
