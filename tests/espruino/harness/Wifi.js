// The ESP32's Wifi module, stood in for on the Linux build: an access point that always answers.
exports.connect = (_ssid, _options, cb) => {
  setTimeout(() => {
    cb(null);
    exports.emit('connected', {});
  }, 20);
};
exports.getDetails = (cb) => {
  cb({ rssi: -55 });
};
