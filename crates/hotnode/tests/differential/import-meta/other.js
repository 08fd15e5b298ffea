console.log("other main:", import.meta.main, Object.keys(import.meta).length);
