// tsharkProblems' parser on tshark 4.0's real `-z expert` output: a malformed Portmap packet is found, TCP resets
// are not problems, and a non-transport warning is.
import t from 'tap';
import { parseTsharkExpert } from '../lab/namespace.js';

const malformed = `
Errors (1)
=============
   Frequency      Group           Protocol  Summary
           1  Malformed            Portmap  Malformed Packet (Exception occurred)
`;

const clean = `
Warns (2)
=============
   Frequency      Group           Protocol  Summary
           2   Sequence                TCP  Connection reset (RST)

Notes (13)
=============
   Frequency      Group           Protocol  Summary
           6   Sequence                TCP  This frame initiates the connection closing
`;

t.same(parseTsharkExpert(malformed), ['Errors: Malformed Portmap Malformed Packet (Exception occurred) (x1)']);
t.same(parseTsharkExpert(clean), [], 'TCP resets and notes are not problems');
t.same(parseTsharkExpert(''), []);
t.same(
  parseTsharkExpert(clean.replace('2   Sequence                TCP', '1   Protocol                RPC')),
  ['Warns: Protocol RPC Connection reset (RST) (x1)'],
  'a warning from an RPC dissector is',
);
