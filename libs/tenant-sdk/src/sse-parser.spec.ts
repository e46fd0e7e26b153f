import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('dispatches an event at the blank line, with its id and type', () => {
    expect(new SseParser().feed('id: "abc"\nevent: entitlements\ndata: {"a":1}\n\n')).toEqual([{ id: '"abc"', event: 'entitlements', data: '{"a":1}' }]);
  });

  it('assembles events split anywhere across chunks, CRLF included', () => {
    const parser = new SseParser();
    const stream = 'event: x\r\ndata: one\r\ndata: two\r\n\r\nevent: y\rdata: three\r\r: a lone CR waits for the next character\n';
    const events = [...stream].flatMap((character) => parser.feed(character));
    expect(events).toEqual([
      { event: 'x', data: 'one\ntwo', id: undefined },
      { event: 'y', data: 'three', id: undefined },
    ]);
  });

  it('ignores comments (keep-alives), unknown fields and events without data', () => {
    expect(new SseParser().feed(': keep-alive\n\nretry: 10\nfoo: bar\n\nevent: empty\n\ndata\n\n')).toEqual([{ event: 'message', data: '', id: undefined }]);
  });
});
