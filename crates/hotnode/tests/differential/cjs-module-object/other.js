console.log("other:", require.main === module, module.id === __filename, module.parent && module.parent.id, require.main.id, typeof module.require, module.loaded);
