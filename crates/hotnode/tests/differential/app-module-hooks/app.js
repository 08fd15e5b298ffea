import config from "virtual:config";
import text from "./note.txt";
export const answer = `${config.answer} ${text.trim()}`;
