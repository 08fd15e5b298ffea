module.exports = ;
