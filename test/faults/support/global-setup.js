import { clearFaults } from './fault-summary.js';

export default function globalSetup() {
  clearFaults();
}
