/** Types of JSON properties: instance attributes, create/update input, class-level expressions. */
import { describe, expectTypeOf, test } from 'vitest';
import { type Expr, Gino } from '../../src/index.js';

const db = new Gino();
class Person extends db.Model({
  __tablename__: 'types_people',
  id: db.Column(db.Integer(), { primaryKey: true }),
  profile: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' }),
  age: db.IntegerProperty({ default: 18 }),
  bio: db.StringProperty(),
  birthday: db.DateTimeProperty(),
  tags: db.ArrayProperty(),
}) {}

describe('JSON property types', () => {
  test('instances: a default makes a property non-null', async () => {
    const p = await Person.create({ age: 3, bio: 'x', birthday: new Date() });
    expectTypeOf(p.age).toEqualTypeOf<number>();
    expectTypeOf(p.bio).toEqualTypeOf<string | null>();
    expectTypeOf(p.birthday).toEqualTypeOf<Date | null>();
    expectTypeOf(p.tags).toEqualTypeOf<unknown[] | null>();
  });

  test('class access is an expression of the property type; input keys are checked', () => {
    expectTypeOf(Person.age).toEqualTypeOf<Expr<number>>();
    expectTypeOf(Person.bio).toEqualTypeOf<Expr<string>>();
    // @ts-expect-error a string is not an IntegerProperty value
    new Person({ age: 'x' });
    // @ts-expect-error not a column nor a property
    new Person({ height: 1 });
  });

  test('insert().values() and copyInto() take columns only: an INSERT or COPY names no JSON property', () => {
    Person.insert().values({ id: 1, profile: { age: 3 } });
    // @ts-expect-error a JSON property is not a column (the runtime refuses it too)
    Person.insert().values({ id: 1, age: 3 });
    void db.copyInto(Person, [{ id: 1, profile: { age: 3 } }]);
    // @ts-expect-error a JSON property is not a column (the runtime refuses it too)
    void db.copyInto(Person, [{ id: 1, age: 3 }]);
    // create() and new Model() take them, and fold them into the JSON column.
    void Person.create({ id: 1, age: 3 });
  });
});
