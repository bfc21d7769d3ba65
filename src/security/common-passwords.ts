/**
 * Passwords of 12+ characters that appear near the top of leaked-password lists, plus the
 * gateway's own name and default. Compared case-insensitively. Short on purpose: the length
 * rule does most of the work; this only stops the obvious picks.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789012345', '1234567890qwerty',
  '111111111111', '000000000000', '123123123123', '121212121212', '987654321098',
  'password1234', 'password12345', 'password123456', 'passwordpassword', 'password123!', 'password1234!',
  'p@ssw0rd1234', 'p@ssword1234', 'passw0rd1234', 'mypassword123', 'newpassword123',
  'qwertyuiop12', 'qwertyuiopas', 'qwerty123456', 'qwerty1234567', 'qwertyqwerty', '1q2w3e4r5t6y',
  '1qaz2wsx3edc', 'zaq12wsxcde3', 'asdfghjkl123', 'asdfasdfasdf', 'zxcvbnm12345',
  'iloveyou1234', 'letmein12345', 'welcome12345', 'welcome123456', 'changeme1234', 'changeme123!',
  'administrator', 'administrator1', 'adminadmin12', 'admin1234567', 'admin123456789', 'adminpassword',
  'rootpassword', 'superuser123', 'trustno11234', 'football1234', 'baseball1234', 'sunshine1234',
  'princess1234', 'dragon123456', 'monkey123456', 'starwars1234', 'whatever1234', 'abc123456789',
  'abcdefghijkl', 'abcdefgh1234', 'aaaaaaaaaaaa', 'correcthorsebatterystaple',
  'gophergate123', 'gophergate1234', 'gophergateadmin', 'admin123admin123',
]);
