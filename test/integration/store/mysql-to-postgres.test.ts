import { datastoreSuite } from './datastore-suite.js';
import { longOutageCases } from './cases-long-outage.js';
import { PAIRS } from './pairs.js';

datastoreSuite(PAIRS.mysqlToPostgres);
// 75 s by default (SWITCHYARD_LONG_OUTAGE_S): one pair is enough.
longOutageCases(PAIRS.mysqlToPostgres);
