import { readFileSync } from 'node:fs';
import path from 'node:path';

/** test/fixtures, from the compiled location dist/test/support. */
export const FIXTURES_DIR = path.resolve(__dirname, '../../../test/fixtures');

export function readFixture(relativePath: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, relativePath));
}

/** The Azure tutorials' sample study (../shared/dicom, copied into test/fixtures/tutorial). */
export const TUTORIAL = {
  studyUid: '1.2.826.0.1.3680043.8.498.13230779778012324449356534479549187420',
  greenSquare: {
    file: 'tutorial/green-square.dcm',
    seriesUid: '1.2.826.0.1.3680043.8.498.45787841905473114233124723359129632652',
    sopUid: '1.2.826.0.1.3680043.8.498.12714725698140337137334606354172323212',
  },
  redTriangle: {
    file: 'tutorial/red-triangle.dcm',
    seriesUid: '1.2.826.0.1.3680043.8.498.45787841905473114233124723359129632652',
    sopUid: '1.2.826.0.1.3680043.8.498.47359123102728459884412887463296905395',
  },
  blueCircle: {
    file: 'tutorial/blue-circle.dcm',
    seriesUid: '1.2.826.0.1.3680043.8.498.77033797676425927098669402985243398207',
    sopUid: '1.2.826.0.1.3680043.8.498.13273713909719068980354078852867170114',
  },
} as const;
