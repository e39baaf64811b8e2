/** The Action's bundle entry (main and post step): everything happens in run(). */
import { run } from "./main.js";

void run();
