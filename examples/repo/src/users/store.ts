/** Users kept in memory; a real service would use a database. */
export interface User {
  username: string;
  passwordHash: string;
}

export class UserStore {
  private readonly users = new Map<string, User>();

  add(user: User): void {
    if (this.users.has(user.username)) throw new Error(`user ${user.username} already exists`);
    this.users.set(user.username, user);
  }

  find(username: string): User | undefined {
    return this.users.get(username);
  }

  update(user: User): void {
    this.users.set(user.username, user);
  }
}
