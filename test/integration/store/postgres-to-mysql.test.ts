import { datastoreSuite } from './datastore-suite.js';
import { PAIRS } from './pairs.js';

datastoreSuite(PAIRS.postgresToMysql);
